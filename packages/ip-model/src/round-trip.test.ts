import type { Bundle, BundleEntry, CarePlan } from '@medplum/fhirtypes';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fhirToIpDocument, ipDocumentToFhir, validateIpDocument } from './index';
import type { IpDocument } from './ip-document';
import { generateIpDocument } from './test-support/ip-document-generator';
import { containmentGaps } from './test-support/is-contained-in';

const example = (): Bundle =>
  JSON.parse(
    readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'contract', 'ip-plan-copy.json'), 'utf8')
  );
const errors = (doc: unknown) => (validateIpDocument(doc).issue ?? []).filter((i) => i.severity === 'error');
const messageHeader = (t: string) => t === 'MessageHeader';

describe('(a) the contract example: FHIR → document → FHIR loses nothing', () => {
  const original = example();
  const doc = fhirToIpDocument(original);
  const once = ipDocumentToFhir(doc);

  test('the document read from the plan copy is valid', () => {
    expect(errors(doc)).toEqual([]);
  });

  test('every element of every entry (the MessageHeader set aside) is in the result with its value', () => {
    expect(containmentGaps(original, once, messageHeader)).toEqual([]);
    expect(once.entry).toHaveLength((original.entry ?? []).length - 1);
  });

  test('the result adds only our conventions: the review coding and element ids of the activities', () => {
    const plan = once.entry?.[0].resource as CarePlan;
    expect(plan.activity?.map((a) => a.id)).toEqual(['tiltak-1', 'tiltak-2', 'tiltak-3', 'review-1']);
    expect(plan.activity?.[3].detail?.code).toEqual({
      coding: [{ system: 'http://ipbro.no/fhir/CodeSystem/ip-plan-review', code: 'revisjon' }],
      text: 'Revisjon av planen',
    });
  });

  test('a second round trip is exact, and so is document → FHIR → document', () => {
    expect(ipDocumentToFhir(fhirToIpDocument(once))).toEqual(once);
    expect(fhirToIpDocument(once)).toEqual(doc);
  });
});

describe('(b) 250 generated documents', () => {
  const docs: IpDocument[] = Array.from({ length: 250 }, (_, n) => generateIpDocument(n));

  test('each is valid against the JSON Schema and its keys hang together', () => {
    for (const [n, doc] of docs.entries()) expect({ n, issues: errors(doc) }).toEqual({ n, issues: [] });
  });

  test('each maps to FHIR and back unchanged (deep equal)', () => {
    for (const [n, doc] of docs.entries())
      expect({ n, doc: fhirToIpDocument(ipDocumentToFhir(doc)) }).toEqual({ n, doc });
  });

  test('each bundle survives FHIR → document → FHIR exactly, also as a message with its entries shuffled', () => {
    for (const [n, doc] of docs.entries()) {
      const bundle = ipDocumentToFhir(doc);
      const entries = [...(bundle.entry ?? [])];
      // A received message: a header first, then the plan's entries in another order.
      const shuffled: BundleEntry[] = [
        {
          fullUrl: 'urn:uuid:00000000-0000-4000-8000-000000000001',
          resource: { resourceType: 'MessageHeader', eventCoding: { code: 'ip-plan-copy' }, source: { endpoint: 'x' } },
        },
        ...entries.slice(1).reverse(),
        entries[0],
      ];
      const received: Bundle = { resourceType: 'Bundle', type: 'message', entry: shuffled };
      const again = ipDocumentToFhir(fhirToIpDocument(received));
      // The same entries as the bundle we made (entry order aside), and a second trip is exact.
      expect({
        n,
        gaps: containmentGaps(received, again, messageHeader),
        back: containmentGaps(again, bundle),
      }).toEqual({ n, gaps: [], back: [] });
      expect({ n, bundle: ipDocumentToFhir(fhirToIpDocument(again)) }).toEqual({ n, bundle: again });
    }
  });

  test('the generator varies what it makes', () => {
    const has = (f: (d: IpDocument) => boolean) => docs.filter(f).length;
    const consentBy = (d: IpDocument) => d.consents.find((c) => c.kind === 'ip-samtykke');
    expect(has((d) => d.person.personNumber.kind === 'd-nummer')).toBeGreaterThan(15);
    expect(has((d) => consentBy(d)?.givenAs === 'foresatt')).toBeGreaterThan(30);
    expect(
      has((d) => consentBy(d)?.givenAs === 'representant' && !!consentBy(d)?.representationReason)
    ).toBeGreaterThan(5);
    expect(has((d) => d.participants.some((p) => p.role === 'midlertidig-koordinator'))).toBeGreaterThan(20);
    expect(
      has((d) => d.participants.some((p) => p.role === 'midlertidig-koordinator' && p.period !== undefined))
    ).toBeGreaterThan(5);
    expect(has((d) => d.participants.filter((p) => p.role === 'koordinator').length === 2)).toBeGreaterThan(10);
    expect(has((d) => new Set(d.participants.map((p) => p.key)).size < d.participants.length)).toBeGreaterThan(10);
    expect(has((d) => d.participants.some((p) => p.role === undefined))).toBeGreaterThan(100);
    expect(has((d) => d.consents.some((c) => (c.denies ?? []).length > 0))).toBeGreaterThan(20);
    expect(has((d) => d.consents.length === 1)).toBeGreaterThan(10);
    expect(has((d) => (d.person.languages ?? []).length >= 2)).toBeGreaterThan(30);
    expect(has((d) => d.measures.some((m) => m.responsible.some((r) => r.name && r.participant)))).toBeGreaterThan(10);
    expect(has((d) => d.fullUrls !== undefined)).toBeGreaterThan(10);
    expect(has((d) => d.plan.version !== undefined)).toBeGreaterThan(30);
    for (const list of ['goals', 'measures', 'reviews', 'resourcesAndNeeds', 'contributions', 'cooperation'] as const) {
      const counts = new Set(docs.map((d) => d[list].length));
      expect({ list, zero: counts.has(0), several: counts.size >= 3 }).toEqual({ list, zero: true, several: true });
    }
  });
});
