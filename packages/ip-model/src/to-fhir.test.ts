import type { Bundle, Reference } from '@medplum/fhirtypes';
import { derivedFullUrl, fhirToIpDocument, ipDocumentToFhir } from './index';
import { sampleDocument } from './test-support/sample-document';

const bundle = ipDocumentToFhir(sampleDocument());

/** Every `reference` anywhere in a value. */
function references(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(references);
  if (value && typeof value === 'object') {
    const ref = (value as Reference).reference;
    return [...(typeof ref === 'string' ? [ref] : []), ...Object.values(value).flatMap(references)];
  }
  return [];
}

test('a collection bundle: CarePlan first, then Patient, CareTeam, Goals, Consents, Practitioners, RelatedPersons, Organizations', () => {
  expect(bundle.type).toBe('collection');
  expect(bundle.entry?.map((e) => `${e.resource?.resourceType}/${e.resource?.id}`)).toEqual([
    'CarePlan/ip',
    'Patient/pas',
    'CareTeam/team',
    'Goal/g1',
    'Goal/g2',
    'Consent/ipsamtykke',
    'Consent/fritak',
    'Practitioner/koord',
    'Practitioner/hfkoord',
    'RelatedPerson/mor',
    'Organization/hmr',
    'Organization/alesund',
    'Organization/nav',
  ]);
});

test('fullUrls are name-based UUIDs of plan identifier and key: the same document always gives the same bundle', () => {
  for (const e of bundle.entry ?? []) {
    expect(e.fullUrl).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(e.fullUrl).toBe(derivedFullUrl('942953119', 'IP-2026-0042', e.resource?.id as string));
  }
  expect(ipDocumentToFhir(sampleDocument())).toEqual(bundle);
  const other = sampleDocument();
  other.plan.id = 'IP-2026-0043';
  expect(ipDocumentToFhir(other).entry?.[0].fullUrl).not.toBe(bundle.entry?.[0].fullUrl);
});

test("every reference in the bundle points at an entry's fullUrl", () => {
  const urls = new Set(bundle.entry?.map((e) => e.fullUrl));
  const refs = references(bundle.entry?.map((e) => e.resource));
  expect(refs.length).toBeGreaterThan(30);
  expect(refs.filter((r) => !urls.has(r))).toEqual([]);
});

test('fullUrls a received bundle used are kept, and references follow them', () => {
  const doc = sampleDocument();
  doc.fullUrls = { pas: 'urn:uuid:84888afb-63c2-5e73-981f-57cd7a1e8217' };
  const b: Bundle = ipDocumentToFhir(doc);
  expect(b.entry?.[1].fullUrl).toBe('urn:uuid:84888afb-63c2-5e73-981f-57cd7a1e8217');
  expect((b.entry?.[0].resource as { subject: Reference }).subject).toEqual({
    reference: 'urn:uuid:84888afb-63c2-5e73-981f-57cd7a1e8217',
  });
  expect(fhirToIpDocument(b)).toEqual(doc);
});

test('the hand-written sample maps to FHIR and back unchanged', () => {
  expect(fhirToIpDocument(bundle)).toEqual(sampleDocument());
});
