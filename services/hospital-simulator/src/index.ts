export * from './token-issuer';
export * from './hospital-simulator';
