export type * from './ip-document';
export { validateIpDocument, IP_DOCUMENT_SCHEMA } from './validate-ip-document';
export { ipDocumentToFhir } from './to-fhir';
export { fhirToIpDocument } from './from-fhir';
export { assessEligibility, type EligibilityAssessment, type EligibilityInput } from './eligibility';
export { uuidV5, derivedFullUrl, planIdentifierSystem } from './fhir-conventions';
/** Seeded, lawful IP documents for tests and benchmarks (not for production use). */
export { generateIpDocument } from './test-support/ip-document-generator';
