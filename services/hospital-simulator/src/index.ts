export * from './token-issuer';
export * from './hospital-simulator';
export * from './demo-clients';
