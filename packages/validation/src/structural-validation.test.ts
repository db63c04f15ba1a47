import type { Resource } from '@medplum/fhirtypes';
import { rebase, structuralIssues } from './structural-validation';

describe('structural validation as our issues', () => {
  test("rebase puts a resource's expressions under its bundle entry", () => {
    expect(rebase('CarePlan.subject', 'CarePlan', 'Bundle.entry[1].resource')).toBe('Bundle.entry[1].resource.subject');
    expect(rebase('CarePlan', 'CarePlan', 'Bundle.entry[1].resource')).toBe('Bundle.entry[1].resource');
    expect(rebase('CarePlan.subject', 'CarePlan', undefined)).toBe('CarePlan.subject');
  });

  test('issues name the profile or base type they come from, and point inside the bundle', () => {
    const issues = structuralIssues(
      { resourceType: 'Patient', gender: 'x y  z', colour: 'blue' } as unknown as Resource,
      undefined,
      'Bundle.entry[3].resource'
    );
    expect(issues.map((i) => [i.diagnostics, i.expression?.[0]])).toEqual([
      ['Invalid code format (FHIR R4 Patient)', 'Bundle.entry[3].resource.gender'],
      ['Invalid additional property "colour" (FHIR R4 Patient)', 'Bundle.entry[3].resource.colour'],
    ]);
    expect(issues.every((i) => i.severity === 'error')).toBe(true);
  });

  test('an unknown resource type, and a profile for another type, are one clear error each', () => {
    expect(
      structuralIssues({ resourceType: 'Pasient' } as unknown as Resource, undefined).map((i) => i.diagnostics)
    ).toEqual(['Unknown resource type "Pasient"']);
    expect(structuralIssues({ resourceType: 'Patient' } as Resource, 'ip-careplan').map((i) => i.diagnostics)).toEqual([
      'Profile ip-careplan is for CarePlan, not Patient',
    ]);
  });

  test("a profile's requirement: ip-careplan needs period.start", () => {
    const plan = {
      resourceType: 'CarePlan',
      status: 'active',
      intent: 'plan',
      subject: { reference: 'Patient/1' },
      category: [{ coding: [{ system: 'urn:oid:2.16.578.1.12.4.1.1.9602', code: 'A02-2' }] }],
      period: { end: '2027-01-01' },
    };
    expect(structuralIssues(plan as Resource, 'ip-careplan').map((i) => [i.diagnostics, i.expression?.[0]])).toEqual(
      expect.arrayContaining([['Missing required property (profile ip-careplan)', 'CarePlan.period.start']])
    );
  });
  test(
    'an empty container of the wrong shape is an error, not an absent element (found by the fuzz: ' +
      '{} as an identifier system reached code that called string methods on it)',
    () => {
      const issuesOf = (r: Record<string, unknown>) =>
        structuralIssues(
          {
            resourceType: 'CarePlan',
            status: 'active',
            intent: 'plan',
            subject: { reference: 'Patient/p' },
            ...r,
          } as unknown as Resource,
          undefined
        ).map((i) => [i.diagnostics, i.expression?.[0]]);
      expect(issuesOf({ identifier: [{ system: {}, value: 'IP-1' }] })).toEqual([
        [expect.stringMatching(/an empty object where a uri belongs/), 'CarePlan.identifier[0].system'],
      ]);
      expect(issuesOf({ identifier: [{ system: 'urn:x', value: [] }] })).toEqual([
        [expect.stringMatching(/an empty array where a string belongs/), 'CarePlan.identifier[0].value'],
      ]);
      expect(issuesOf({ activity: {} })).toEqual([
        [expect.stringMatching(/an empty object where an array belongs/), 'CarePlan.activity'],
      ]);
      expect(issuesOf({ period: [] })).toEqual([
        [expect.stringMatching(/an empty array where an object belongs/), 'CarePlan.period'],
      ]);
      // Empty containers of the right shape stay absent, as Medplum has them.
      expect(issuesOf({ activity: [], period: {}, note: [] })).toEqual([]);
    }
  );
});
