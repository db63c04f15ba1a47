export * from './kommune-simulator';
