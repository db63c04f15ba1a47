export * from './delivery-outcome';
export * from './fhir-message-client';
export * from './meldeplikt-delivery';
