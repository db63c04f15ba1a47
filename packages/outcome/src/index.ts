export * from './outcome';
export * from './outcome-error';
