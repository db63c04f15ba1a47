import type { Bundle, Patient } from '@medplum/fhirtypes';
import { referenceIndex } from './reference-index';
import { resolveReference } from './resolve-reference';
import { contractExample } from './test-support/fixtures';

const rest: Bundle = {
  resourceType: 'Bundle',
  type: 'collection',
  entry: [
    { fullUrl: 'http://ehr.example.test/fhir/Patient/p1', resource: { resourceType: 'Patient', id: 'other-id' } },
    { resource: { resourceType: 'Patient', id: 'p2' } },
    { fullUrl: 'urn:uuid:0b3c3e8e-1111-4222-8333-944444444444' }, // an entry without a resource
    { resource: { resourceType: 'Organization', id: 'p2' } },
    { fullUrl: 'urn:uuid:dup', resource: { resourceType: 'Patient', id: 'first' } },
    { fullUrl: 'urn:uuid:dup', resource: { resourceType: 'Patient', id: 'second' } },
    { fullUrl: 'http://other.example.test/Patient/p2', resource: { resourceType: 'Patient', id: 'p2-again' } },
  ],
};

describe('referenceIndex', () => {
  test('answers as resolveReference does, for every reference of the contract examples and for odd ones', () => {
    const refs = [
      'Patient/p1',
      'Patient/other-id',
      'Patient/p2',
      'Organization/p2',
      'Patient/p2/_history/4',
      'urn:uuid:dup',
      'urn:uuid:0b3c3e8e-1111-4222-8333-944444444444',
      'http://ehr.example.test/fhir/Patient/p1',
      'Practitioner/p1',
      'p1',
      '',
      'urn:uuid:nothing',
      'Patient/',
      'http://other.example.test/Patient/p2',
    ];
    const index = referenceIndex(rest);
    for (const ref of refs)
      expect({ ref, found: index.resolve(ref) }).toEqual({ ref, found: resolveReference(rest, ref) });
    for (const name of ['meldeplikt', 'ip-plan-copy', 'epikrise', 'receipt-ok'] as const) {
      const b = contractExample(name);
      const text = JSON.stringify(b);
      const all = [...text.matchAll(/"reference":"([^"]*)"/g)].map((m) => m[1]);
      expect(all.length).toBeGreaterThan(0);
      const idx = referenceIndex(b);
      for (const ref of [...all, 'Organization/hmr', 'Patient/pas', 'Patient/pas/_history/3', 'urn:uuid:missing']) {
        expect({ ref, found: idx.resolve({ reference: ref }) }).toEqual({
          ref,
          found: resolveReference(b, { reference: ref }),
        });
      }
    }
  });

  test('the first entry wins, as in resolveReference; nothing for no reference or a bundle without entries', () => {
    const index = referenceIndex(rest);
    expect(index.resolve('urn:uuid:dup')).toEqual({ resource: { resourceType: 'Patient', id: 'first' }, index: 4 });
    expect(index.resolve('Patient/p2')?.index).toBe(1);
    expect(index.resolve(undefined)).toBeUndefined();
    expect(index.resolve({ display: 'x' })).toBeUndefined();
    expect(referenceIndex({ resourceType: 'Bundle', type: 'collection' }).resolve('Patient/p1')).toBeUndefined();
  });

  test('a lookup costs the same in a bundle of 20,000 entries (built once, then constant time)', () => {
    const patient = (i: number): Patient => ({ resourceType: 'Patient', id: `p${i}` });
    const entry = Array.from({ length: 20000 }, (_, i) => ({ fullUrl: `urn:uuid:e${i}`, resource: patient(i) }));
    const big: Bundle = { resourceType: 'Bundle', type: 'collection', entry };
    const index = referenceIndex(big);
    const started = process.hrtime.bigint();
    let found = 0;
    for (let i = 0; i < 20000; i++)
      if (index.resolve(`urn:uuid:e${19999 - i}`) && index.resolve(`Patient/p${i}`)) found++;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(found).toBe(20000);
    // resolveReference would compare up to 20,000 fullUrls per lookup (8 × 10^8 in all): seconds, not milliseconds.
    expect(ms).toBeLessThan(1000);
  });
});
