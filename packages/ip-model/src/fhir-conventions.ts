import {
  CODE_SYSTEMS,
  DOCUMENT_TYPE_SYSTEM,
  IPBRO_BASE,
  orgScopedSystem,
  parseOrgScopedSystem,
} from '@ipbro/fhir-message';
import { IDENTIFIER_SYSTEMS, MUNICIPALITY_CODE_EXTENSION } from '@ipbro/identifiers';
import type { CodeableConcept, Extension } from '@medplum/fhirtypes';
import { createHash } from 'node:crypto';

// Canonical URLs come from the packages that own them (fhir-message, identifiers); this file only
// adds the mapping's own: our extensions and the HL7 terminologies the plan uses.
export const CS = CODE_SYSTEMS;
const IPBRO = IPBRO_BASE;
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
  municipality: MUNICIPALITY_CODE_EXTENSION,
} as const;
export const SYSTEMS = {
  fodselsnummer: IDENTIFIER_SYSTEMS.fodselsnummer,
  dNummer: IDENTIFIER_SYSTEMS.dNummer,
  hpr: IDENTIFIER_SYSTEMS.hprNummer,
  orgnr: IDENTIFIER_SYSTEMS.organisasjonsnummer,
  herId: IDENTIFIER_SYSTEMS.herId,
  kommune: IDENTIFIER_SYSTEMS.kommunenummer,
  /** Volven 9602 document types: A02-2 is the individuell plan. */
  documentType: DOCUMENT_TYPE_SYSTEM,
  consentScope: 'http://terminology.hl7.org/CodeSystem/consentscope',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  roleCode: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode',
  bcp47: 'urn:ietf:bcp:47',
} as const;

/** The CarePlan category that makes a CarePlan an individuell plan. */
export const IP_CATEGORY = { system: SYSTEMS.documentType, code: 'A02-2', display: 'Individuell plan' } as const;

/** The identifier system of a plan and its parts: `http://ipbro.no/fhir/sid/org/{owner orgnr}/ip`. */
export const planIdentifierSystem = (ownerOrgnr: string): string => orgScopedSystem(ownerOrgnr, 'ip');

/** The owner orgnr of a plan identifier system (the former urn:oid form too), or undefined when the system is not one. */
export function ownerOfPlanSystem(system: string | undefined): string | undefined {
  const parsed = parseOrgScopedSystem(system);
  return parsed?.kind === 'ip' ? parsed.orgnr : undefined;
}

const NAMESPACE = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex'); // RFC 4122 URL namespace

/** A name-based (version 5) UUID: the same name always gives the same UUID. */
export function uuidV5(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(name).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The fullUrl IP-bro derives for a part of a plan: `urn:uuid:` + uuid v5 of plan identifier and key. */
export const derivedFullUrl = (ownerOrgnr: string, planId: string, key: string): string =>
  `urn:uuid:${uuidV5(`${planIdentifierSystem(ownerOrgnr)}|${planId}|${key}`)}`;

export const codeable = (system: string, code: string, display?: string): CodeableConcept => ({
  coding: [{ system, code, ...(display ? { display } : {}) }],
});

/** The code of the first coding in `system` across one or more CodeableConcepts. */
export function codeOf(cc: CodeableConcept | CodeableConcept[] | undefined, system: string): string | undefined {
  for (const c of Array.isArray(cc) ? cc : cc ? [cc] : []) {
    const found = c?.coding?.find((x) => x?.system === system);
    if (found) return found.code;
  }
  return undefined;
}

export const extensionOf = (exts: Extension[] | undefined, url: string): Extension | undefined =>
  exts?.find((e) => e?.url === url);

/**
 * Drops undefined members and empty arrays, so output is canonical and a round trip compares equal
 * (FHIR forbids empty arrays anyway).
 */
export function clean<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  // for…in over own literal keys: the mapping's hot path (Object.entries allocates a pair per member).
  for (const k in o) {
    const v = (o as Record<string, unknown>)[k];
    if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out as T;
}
