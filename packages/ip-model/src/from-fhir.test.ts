import type { Bundle, BundleEntry, CarePlan, Resource } from '@medplum/fhirtypes';
import { fhirToIpDocument, ipDocumentToFhir } from './index';
import { sampleDocument } from './test-support/sample-document';

const refused = (bundle: unknown) => {
  try {
    fhirToIpDocument(bundle as Bundle);
  } catch (err) {
    const e = err as { status: number; outcome: { issue: { expression?: string[]; diagnostics?: string }[] } };
    return {
      status: e.status,
      where: e.outcome.issue.map((i) => i.expression?.[0]),
      diagnostics: e.outcome.issue.map((i) => i.diagnostics),
    };
  }
  throw new Error('expected fhirToIpDocument to refuse');
};

/** The sample as a transaction: no fullUrls kept, references as Type/id, a request per entry. */
function asTransaction(): Bundle {
  const b = ipDocumentToFhir(sampleDocument());
  const byUrl = new Map((b.entry ?? []).map((e) => [e.fullUrl, `${e.resource?.resourceType}/${e.resource?.id}`]));
  const rewrite = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(rewrite)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v).map(([k, x]) => [
              k,
              k === 'reference' && typeof x === 'string' ? (byUrl.get(x) ?? x) : rewrite(x),
            ])
          )
        : v;
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: (b.entry ?? []).map((e) => ({
      resource: rewrite(e.resource) as Resource,
      request: { method: 'PUT', url: `${e.resource?.resourceType}/${e.resource?.id}` },
    })),
  };
}

test('a transaction bundle whose references are Type/id reads as the same document', () => {
  expect(fhirToIpDocument(asTransaction())).toEqual(sampleDocument());
});

test('a document bundle (Composition first) and a message bundle (MessageHeader first) read as the plan, the envelope set aside', () => {
  const entries = ipDocumentToFhir(sampleDocument()).entry as BundleEntry[];
  const composition: BundleEntry = {
    fullUrl: 'urn:uuid:11111111-1111-4111-8111-111111111111',
    resource: {
      resourceType: 'Composition',
      status: 'final',
      type: { text: 'IP' },
      date: '2026-11-21',
      author: [{ display: 'x' }],
      title: 'IP',
    },
  };
  const header: BundleEntry = {
    fullUrl: 'urn:uuid:22222222-2222-4222-8222-222222222222',
    resource: { resourceType: 'MessageHeader', eventCoding: { code: 'ip-plan-copy' }, source: { endpoint: 'x' } },
  };
  expect(fhirToIpDocument({ resourceType: 'Bundle', type: 'document', entry: [composition, ...entries] })).toEqual(
    sampleDocument()
  );
  const doc = fhirToIpDocument({ resourceType: 'Bundle', type: 'message', entry: [header, ...entries] });
  expect(doc).toEqual(sampleDocument());
  expect(doc.fullUrls).toBeUndefined();
});

test('entries without id get keys from type and position, and keep their fullUrls', () => {
  const b = ipDocumentToFhir(sampleDocument());
  const goal = b.entry?.[3];
  delete goal?.resource?.id;
  const doc = fhirToIpDocument(b);
  expect(doc.goals[0].key).toBe('goal-3');
  expect(doc.fullUrls).toEqual({ 'goal-3': goal?.fullUrl });
  expect(doc.measures[0].goals).toEqual(['goal-3']);
});

test('no IP CarePlan: 422 at Bundle.entry', () => {
  const b = ipDocumentToFhir(sampleDocument());
  (b.entry?.[0].resource as CarePlan).category = [{ text: 'Behandlingsplan' }];
  expect(refused(b)).toEqual({
    status: 422,
    where: ['Bundle.entry'],
    diagnostics: [
      'The bundle holds no individuell plan: a CarePlan with category urn:oid:2.16.578.1.12.4.1.1.9602#A02-2',
    ],
  });
  expect(refused({ resourceType: 'Bundle', type: 'collection' }).where).toEqual(['Bundle.entry']);
  expect(refused({ resourceType: 'Patient' })).toMatchObject({ status: 422, where: ['Bundle'] });
});

test('references that do not resolve, or resolve to the wrong type: 422, every one with its path', () => {
  const b = ipDocumentToFhir(sampleDocument());
  const plan = b.entry?.[0].resource as CarePlan;
  plan.goal = [{ reference: 'urn:uuid:00000000-0000-4000-8000-000000000000' }, { reference: 'Patient/pas' }];
  plan.careTeam = [{ reference: 'CareTeam/elsewhere' }];
  expect(refused(b)).toEqual({
    status: 422,
    where: [
      'Bundle.entry[0].resource.careTeam[0].reference',
      'Bundle.entry[0].resource.goal[0].reference',
      'Bundle.entry[0].resource.goal[1].reference',
    ],
    diagnostics: [
      'Reference CareTeam/elsewhere does not resolve to an entry of the bundle (by fullUrl or Type/id)',
      'Reference urn:uuid:00000000-0000-4000-8000-000000000000 does not resolve to an entry of the bundle (by fullUrl or Type/id)',
      'Reference Patient/pas is a Patient; expected a Goal',
    ],
  });
});

test('a plan whose subject is missing stops at once with where', () => {
  const b = ipDocumentToFhir(sampleDocument());
  delete (b.entry?.[0].resource as Partial<CarePlan>).subject;
  expect(refused(b)).toEqual({
    status: 422,
    where: ['Bundle.entry[0].resource.subject'],
    diagnostics: ['Bundle.entry[0].resource.subject must reference a Patient in the bundle'],
  });
});

test('a plan whose identifiers use the former urn:oid system reads with its owner, and maps back in the http system only', () => {
  const b = ipDocumentToFhir(sampleDocument());
  const text = JSON.stringify(b)
    .split('http://ipbro.no/fhir/sid/org/942953119/ip')
    .join('urn:oid:2.16.578.1.12.4.1.4.101/942953119/ip');
  expect(text).toContain('urn:oid:2.16.578.1.12.4.1.4.101/942953119/ip');
  const doc = fhirToIpDocument(JSON.parse(text) as Bundle);
  expect(doc.plan.ownerOrgnr).toBe('942953119');
  const again = JSON.stringify(ipDocumentToFhir(doc));
  expect(again).not.toContain('urn:oid:2.16.578.1.12.4.1.4.101/');
  expect(again).toContain('"system":"http://ipbro.no/fhir/sid/org/942953119/ip"');
});
