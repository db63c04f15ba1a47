export * from './http-post';
export * from './fhir-message-client';
export * from './delivery-outcome';
export { observeDelivery } from './delivery-metrics';
