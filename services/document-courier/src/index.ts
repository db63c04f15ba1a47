export * from './config';
export * from './courier';
export * from './wire';
