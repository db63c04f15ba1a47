export { validate, validateMessage, assertValid, type ValidateOptions } from './validate';
export { selectProfile } from './profile-selection';
export { loadDefinitions } from './fhir-definitions';
