export * from './intake';
export * from './status-view';
