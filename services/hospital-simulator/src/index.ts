export * from './token-issuer';
export * from './hospital-simulator';
export * from './client-credentials';
export * from './demo-clients';
