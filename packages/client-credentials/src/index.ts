export * from './client-credentials';
export * from './outbound-token-config';
