import { createHash } from 'node:crypto';

export const IPBRO = 'http://ipbro.no/fhir';
export const CS = {
  careTeamRole: `${IPBRO}/CodeSystem/ip-careteam-role`,
  consentCategory: `${IPBRO}/CodeSystem/ip-consent-category`,
  lifeArea: `${IPBRO}/CodeSystem/ip-life-area`,
  planReview: `${IPBRO}/CodeSystem/ip-plan-review`,
} as const;
export const EXT = {
  lifeAreaAssessment: `${IPBRO}/StructureDefinition/ip-life-area-assessment`,
  culturalConsiderations: `${IPBRO}/StructureDefinition/ip-cultural-considerations`,
  measureScope: `${IPBRO}/StructureDefinition/ip-measure-scope`,
  lifeArea: `${IPBRO}/StructureDefinition/ip-life-area`,
  cooperation: `${IPBRO}/StructureDefinition/ip-cooperation-description`,
  consenterRole: `${IPBRO}/StructureDefinition/ip-consenter-role`,
  representationReason: `${IPBRO}/StructureDefinition/ip-representation-reason`,
  informationScope: `${IPBRO}/StructureDefinition/ip-information-scope`,
  interpreterRequired: 'http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired',
  municipality: 'http://hl7.no/fhir/StructureDefinition/no-basis-municipalitycode',
} as const;
export const SYSTEMS = {
  fodselsnummer: 'urn:oid:2.16.578.1.12.4.1.4.1',
  dNummer: 'urn:oid:2.16.578.1.12.4.1.4.2',
  hpr: 'urn:oid:2.16.578.1.12.4.1.4.4',
  orgnr: 'urn:oid:2.16.578.1.12.4.1.4.101',
  herId: 'urn:oid:2.16.578.1.12.4.1.2',
  kommune: 'urn:oid:2.16.578.1.12.4.1.1.3402',
  documentType: 'urn:oid:2.16.578.1.12.4.1.1.9602',
  consentScope: 'http://terminology.hl7.org/CodeSystem/consentscope',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  roleCode: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode',
  bcp47: 'urn:ietf:bcp:47',
} as const;

/** The identifier system of a plan and its parts: `urn:oid:…4.1.4.101/{owner orgnr}/ip`. */
export const planIdentifierSystem = (ownerOrgnr: string): string => `${SYSTEMS.orgnr}/${ownerOrgnr}/ip`;

const NAMESPACE = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex'); // RFC 4122 URL namespace

/** A name-based (version 5) UUID: the same plan and key always give the same fullUrl. */
export function uuidV5(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(name).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
