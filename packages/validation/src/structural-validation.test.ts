import type { Resource } from '@medplum/fhirtypes';
import { rebase, structuralIssues } from './structural-validation';

describe('structural validation as our issues', () => {
  test('rebase puts a resource\'s expressions under its bundle entry', () => {
    expect(rebase('CarePlan.subject', 'CarePlan', 'Bundle.entry[1].resource')).toBe('Bundle.entry[1].resource.subject');
    expect(rebase('CarePlan', 'CarePlan', 'Bundle.entry[1].resource')).toBe('Bundle.entry[1].resource');
    expect(rebase('CarePlan.subject', 'CarePlan', undefined)).toBe('CarePlan.subject');
  });

  test('issues name the profile or base type they come from, and point inside the bundle', () => {
    const issues = structuralIssues({ resourceType: 'Patient', gender: 'x y  z', colour: 'blue' } as unknown as Resource, undefined, 'Bundle.entry[3].resource');
    expect(issues.map((i) => [i.diagnostics, i.expression?.[0]])).toEqual([
      ['Invalid code format (FHIR R4 Patient)', 'Bundle.entry[3].resource.gender'],
      ['Invalid additional property "colour" (FHIR R4 Patient)', 'Bundle.entry[3].resource.colour'],
    ]);
    expect(issues.every((i) => i.severity === 'error')).toBe(true);
  });

  test('an unknown resource type, and a profile for another type, are one clear error each', () => {
    expect(structuralIssues({ resourceType: 'Pasient' } as unknown as Resource, undefined).map((i) => i.diagnostics)).toEqual(['Unknown resource type "Pasient"']);
    expect(structuralIssues({ resourceType: 'Patient' } as Resource, 'ip-careplan').map((i) => i.diagnostics)).toEqual(['Profile ip-careplan is for CarePlan, not Patient']);
  });

  test('a profile\'s requirement: ip-careplan needs period.start', () => {
    const plan = { resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: 'Patient/1' }, category: [{ coding: [{ system: 'urn:oid:2.16.578.1.12.4.1.1.9602', code: 'A02-2' }] }], period: { end: '2027-01-01' } };
    expect(structuralIssues(plan as Resource, 'ip-careplan').map((i) => [i.diagnostics, i.expression?.[0]])).toEqual(
      expect.arrayContaining([['Missing required property (profile ip-careplan)', 'CarePlan.period.start']])
    );
  });
});
