import type { Bundle, CareTeam, RelatedPerson } from '@medplum/fhirtypes';
import { capacityContext, isParentOrGuardian, PARENT_OR_GUARDIAN_CODES } from './consenter-capacity';

const V3 = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
const ROLE = 'http://ipbro.no/fhir/CodeSystem/ip-careteam-role';
const member = { reference: 'RelatedPerson/r' };
const teamWith = (code: string): CareTeam => ({
  resourceType: 'CareTeam',
  participant: [{ role: [roleOf(code)], member }],
});
const roleOf = (code: string) => ({ coding: [{ system: ROLE, code }] });

function bundleWith(relationship: RelatedPerson['relationship'], teamRole?: string): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [
      { fullUrl: 'urn:uuid:p', resource: { resourceType: 'Patient', id: 'p' } },
      {
        fullUrl: 'urn:uuid:r',
        resource: { resourceType: 'RelatedPerson', id: 'r', patient: { reference: 'urn:uuid:p' }, relationship },
      },
      ...(teamRole ? [{ fullUrl: 'urn:uuid:t', resource: teamWith(teamRole) }] : []),
    ],
  };
}
const parentOrGuardian = (b: Bundle) =>
  isParentOrGuardian(capacityContext(b), { resource: b.entry![1].resource!, index: 1 });
const coded = (system: string, code: string): RelatedPerson['relationship'] => [
  { text: 'x' },
  {
    coding: [
      { system: 'http://example.test', code: 'MTH' },
      { system, code },
    ],
  },
];

describe('a parent or guardian, read from who they are', () => {
  test('parent, mother, father, natural and adoptive parents, the gestational mother and the guardian', () => {
    for (const code of ['PRN', 'MTH', 'FTH', 'NPRN', 'NMTH', 'NFTH', 'GESTM', 'ADOPTP', 'ADOPTM', 'ADOPTF', 'GUARD']) {
      expect({ code, is: parentOrGuardian(bundleWith(coded(V3, code))) }).toEqual({ code, is: true });
    }
    expect(PARENT_OR_GUARDIAN_CODES.size).toBe(11);
  });

  test("not step-parents or foster parents (no foreldreansvar by that alone), other kin, another system's code, nothing said", () => {
    for (const code of [
      'STPPRN',
      'STPMTH',
      'STPFTH',
      'PRNFOST',
      'MTHFOST',
      'FTHFOST',
      'GRMTH',
      'SIS',
      'SPS',
      'NMTHF',
    ]) {
      expect({ code, is: parentOrGuardian(bundleWith(coded(V3, code))) }).toEqual({ code, is: false });
    }
    expect(parentOrGuardian(bundleWith(coded('http://terminology.hl7.org/CodeSystem/v2-0131', 'MTH')))).toBe(false);
    expect(parentOrGuardian(bundleWith(undefined))).toBe(false);
  });

  test('our ip-careteam-role verge: as the relationship, or as the role a CareTeam of the bundle gives them', () => {
    expect(parentOrGuardian(bundleWith(coded(ROLE, 'verge')))).toBe(true);
    expect(parentOrGuardian(bundleWith(coded(V3, 'GRMTH'), 'verge'))).toBe(true);
    expect(parentOrGuardian(bundleWith(coded(V3, 'GRMTH'), 'paarorende'))).toBe(false);
    expect(parentOrGuardian(bundleWith(coded(ROLE, 'paarorende')))).toBe(false);
  });

  test('only a RelatedPerson; odd shapes are no parent and no exception', () => {
    const b = bundleWith(coded(V3, 'MTH'));
    expect(isParentOrGuardian(capacityContext(b), { resource: b.entry![0].resource!, index: 0 })).toBe(false);
    expect(parentOrGuardian(bundleWith([null, { coding: 5 }, { coding: [null] }] as never))).toBe(false);
  });
});
