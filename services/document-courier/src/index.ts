export * from './courier';
