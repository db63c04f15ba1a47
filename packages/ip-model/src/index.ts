export type * from './ip-document';
export { IP_DOCUMENT_SCHEMA } from './ip-document.schema';
export { validateIpDocument } from './validate-ip-document';
export { ipDocumentToFhir } from './to-fhir';
export { fhirToIpDocument } from './from-fhir';
export { assessEligibility, type EligibilityAssessment, type EligibilityInput } from './eligibility';
export { uuidV5 } from './fhir-conventions';
export { generateIpDocument } from './ip-document-generator';
