export * from './config';
export * from './logger';
export * from './metrics';
export * from './fhir-body';
export * from './error-handler';
export * from './health';
export * from './auth';
export * from './service-app';
export { registerShutdown } from './shutdown';
