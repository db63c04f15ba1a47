import { CODE_SYSTEMS, referenceIndex, type Located, type ReferenceIndex } from '@ipbro/fhir-message';
import type { Bundle, CareTeam, CodeableConcept, RelatedPerson } from '@medplum/fhirtypes';

const V3_ROLE_CODE = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';

/**
 * v3 RoleCode relationships whose holder has foreldreansvar or is the child's guardian, so may consent
 * for a child under 16 (pasient- og brukerrettighetsloven § 4-5): parent (PRN) and what it holds of
 * mother, father, natural and adoptive parents, and guardian (GUARD). Step-parents and foster
 * parents (STPPRN, STPMTH, STPFTH, PRNFOST, MTHFOST, FTHFOST) are parents in v3 but have no
 * foreldreansvar by that alone; their consent says so with ip-consenter-role.
 */
export const PARENT_OR_GUARDIAN_CODES: ReadonlySet<string> = new Set([
  'PRN',
  'MTH',
  'FTH',
  'NPRN',
  'NMTH',
  'NFTH',
  'GESTM',
  'ADOPTP',
  'ADOPTM',
  'ADOPTF',
  'GUARD',
]);

const hasCode = (
  concepts: CodeableConcept[] | undefined,
  match: (system: unknown, code: unknown) => boolean
): boolean =>
  Array.isArray(concepts) &&
  concepts.some((cc) => Array.isArray(cc?.coding) && cc.coding.some((c) => match(c?.system, c?.code)));

const vergeCode = (system: unknown, code: unknown): boolean => system === CODE_SYSTEMS.careTeamRole && code === 'verge';

const parentOrGuardianCode = (system: unknown, code: unknown): boolean =>
  (system === V3_ROLE_CODE && PARENT_OR_GUARDIAN_CODES.has(code as string)) || vergeCode(system, code);

/** What the capacity rule reads of a bundle, made once per validation: the entries a CareTeam names verge. */
export interface CapacityContext {
  bundle: Bundle;
  index: ReferenceIndex;
  verges?: Set<number>;
}

export const capacityContext = (bundle: Bundle, index: ReferenceIndex = referenceIndex(bundle)): CapacityContext => ({
  bundle,
  index,
});

function vergesOf(ctx: CapacityContext): Set<number> {
  const verges = new Set<number>();
  for (const e of Array.isArray(ctx.bundle.entry) ? ctx.bundle.entry : []) {
    if (e?.resource?.resourceType !== 'CareTeam') continue;
    const participants = (e.resource as CareTeam).participant;
    for (const p of Array.isArray(participants) ? participants : []) {
      const member = hasCode(p?.role, vergeCode) ? ctx.index.resolve(p.member) : undefined;
      if (member) verges.add(member.index);
    }
  }
  return verges;
}

/**
 * Whether a RelatedPerson who consented is, by what the message says of them, a parent or guardian:
 * RelatedPerson.relationship coded with one of PARENT_OR_GUARDIAN_CODES or ip-careteam-role `verge`,
 * or a CareTeam of the bundle naming them `verge`. Senders need not know our ip-consenter-role
 * extension: for a child under 16 this is the capacity `foresatt`.
 */
export function isParentOrGuardian(ctx: CapacityContext, person: Located): boolean {
  if (person.resource.resourceType !== 'RelatedPerson') return false;
  if (hasCode((person.resource as RelatedPerson).relationship, parentOrGuardianCode)) return true;
  ctx.verges ??= vergesOf(ctx);
  return ctx.verges.has(person.index);
}
