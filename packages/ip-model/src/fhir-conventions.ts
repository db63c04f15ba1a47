import { createHash } from 'node:crypto';

import { CODE_SYSTEMS, DOCUMENT_TYPE_SYSTEM, IPBRO_BASE } from '@ipbro/fhir-message';
import { IDENTIFIER_SYSTEMS, MUNICIPALITY_CODE_EXTENSION } from '@ipbro/identifiers';

// Canonical URLs come from the packages that own them (fhir-message, identifiers); this file only
// adds the mapping's own: our extensions and the HL7 terminologies the plan uses.
export const CS = CODE_SYSTEMS;
export const EXT = {
  lifeAreaAssessment: `${IPBRO_BASE}/StructureDefinition/ip-life-area-assessment`,
  culturalConsiderations: `${IPBRO_BASE}/StructureDefinition/ip-cultural-considerations`,
  measureScope: `${IPBRO_BASE}/StructureDefinition/ip-measure-scope`,
  lifeArea: `${IPBRO_BASE}/StructureDefinition/ip-life-area`,
  cooperation: `${IPBRO_BASE}/StructureDefinition/ip-cooperation-description`,
  consenterRole: `${IPBRO_BASE}/StructureDefinition/ip-consenter-role`,
  representationReason: `${IPBRO_BASE}/StructureDefinition/ip-representation-reason`,
  informationScope: `${IPBRO_BASE}/StructureDefinition/ip-information-scope`,
  interpreterRequired: 'http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired',
  municipality: MUNICIPALITY_CODE_EXTENSION,
} as const;
export const SYSTEMS = {
  fodselsnummer: IDENTIFIER_SYSTEMS.fodselsnummer,
  dNummer: IDENTIFIER_SYSTEMS.dNummer,
  hpr: IDENTIFIER_SYSTEMS.hprNummer,
  orgnr: IDENTIFIER_SYSTEMS.organisasjonsnummer,
  herId: IDENTIFIER_SYSTEMS.herId,
  kommune: IDENTIFIER_SYSTEMS.kommunenummer,
  documentType: DOCUMENT_TYPE_SYSTEM,
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
