export const IPBRO_BASE = 'http://ipbro.no/fhir';

/** Our CodeSystems: those of CONTRACT.md, plus the additions of docs/fhir-mapping.md. */
export const CODE_SYSTEMS = {
  messageEvent: `${IPBRO_BASE}/CodeSystem/ip-message-event`,
  need: `${IPBRO_BASE}/CodeSystem/ip-need`,
  careTeamRole: `${IPBRO_BASE}/CodeSystem/ip-careteam-role`,
  consentCategory: `${IPBRO_BASE}/CodeSystem/ip-consent-category`,
  lifeArea: `${IPBRO_BASE}/CodeSystem/ip-life-area`,
  planReview: `${IPBRO_BASE}/CodeSystem/ip-plan-review`,
  consenterRole: `${IPBRO_BASE}/CodeSystem/ip-consenter-role`,
  assessmentKind: `${IPBRO_BASE}/CodeSystem/ip-assessment-kind`,
} as const;

/** Volven 9602, document types: A02-2 Individuell plan, A03-2 Epikrise. */
export const DOCUMENT_TYPE_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.1.9602';
