export * from './delivery-outcome';
export * from './fhir-message-client';
export * from './client-credentials';
export * from './message-routing';
export * from './meldeplikt-delivery';
export * from './delivery-audit';
export * from './delivery-worker';
export * from './http-post';
