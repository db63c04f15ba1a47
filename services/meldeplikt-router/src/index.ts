export * from './config';
export * from './router';
export * from './wire';
