import type { Bundle } from '@medplum/fhirtypes';
import { entriesOfType, resolveReference } from './resolve-reference';
import { contractExample } from './test-support/fixtures';

const rest: Bundle = {
  resourceType: 'Bundle',
  type: 'collection',
  entry: [
    { fullUrl: 'http://ehr.example.test/fhir/Patient/p1', resource: { resourceType: 'Patient', id: 'other-id' } },
    { resource: { resourceType: 'Patient', id: 'p2' } },
    { fullUrl: 'urn:uuid:0b3c3e8e-1111-4222-8333-944444444444' }, // an entry without a resource
    { resource: { resourceType: 'Organization', id: 'p2' } },
  ],
};

describe('resolveReference', () => {
  test("by urn:uuid fullUrl, as the contract's messages reference", () => {
    const b = contractExample('ip-plan-copy');
    const found = resolveReference(b, 'urn:uuid:84888afb-63c2-5e73-981f-57cd7a1e8217');
    expect(found?.resource).toMatchObject({ resourceType: 'Patient', id: 'pas' });
    expect(b.entry?.[found!.index].resource).toBe(found?.resource);
    expect(resolveReference(b, { reference: 'urn:uuid:84888afb-63c2-5e73-981f-57cd7a1e8217' })?.index).toBe(
      found?.index
    );
  });

  test('by Type/id against the resources', () => {
    const b = contractExample('ip-plan-copy');
    expect(resolveReference(b, { reference: 'Organization/hmr' })?.resource).toMatchObject({
      resourceType: 'Organization',
      id: 'hmr',
    });
    expect(resolveReference(b, 'Patient/pas')?.resource.id).toBe('pas');
    expect(resolveReference(b, 'Patient/pas/_history/3')?.resource.id).toBe('pas');
    expect(resolveReference(b, 'Organization/pas')).toBeUndefined(); // the type must match as well
  });

  test("by absolute fullUrl, and Type/id against the fullUrl's tail", () => {
    expect(resolveReference(rest, 'http://ehr.example.test/fhir/Patient/p1')?.index).toBe(0);
    expect(resolveReference(rest, 'Patient/p1')?.index).toBe(0);
    expect(resolveReference(rest, 'Patient/p2')?.index).toBe(1);
    expect(resolveReference(rest, 'Organization/p2')?.index).toBe(3);
  });

  test('nothing found is undefined, never a throw', () => {
    const b = contractExample('ip-plan-copy');
    expect(resolveReference(b, 'urn:uuid:00000000-0000-0000-0000-000000000000')).toBeUndefined();
    expect(resolveReference(rest, 'urn:uuid:0b3c3e8e-1111-4222-8333-944444444444')).toBeUndefined(); // no resource there
    expect(resolveReference(b, undefined)).toBeUndefined();
    expect(resolveReference(b, {})).toBeUndefined();
    expect(resolveReference(b, { display: 'NAV Ålesund' })).toBeUndefined();
    expect(resolveReference(b, '')).toBeUndefined();
    expect(resolveReference(b, '#contained')).toBeUndefined();
    expect(resolveReference({ resourceType: 'Bundle', type: 'message' }, 'Patient/pas')).toBeUndefined();
    expect(
      resolveReference({ resourceType: 'Bundle', type: 'message', entry: [null as never] }, 'Patient/pas')
    ).toBeUndefined();
  });
});

describe('entriesOfType', () => {
  test('every entry of a type with its index', () => {
    expect(entriesOfType(rest, 'Patient').map((l) => l.index)).toEqual([0, 1]);
    expect(entriesOfType(contractExample('ip-plan-copy'), 'Goal').map((l) => l.resource.resourceType)).toEqual([
      'Goal',
      'Goal',
    ]);
    expect(entriesOfType({ resourceType: 'Bundle', type: 'message' }, 'Patient')).toEqual([]);
  });
});
