import type { Binary, Bundle, CarePlan, Resource } from '@medplum/fhirtypes';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  conditionalSearch,
  planTransactions,
  SUBSETTED_TAG,
  transactionBundle,
  UndeliverableError,
} from './transaction-plan';

const PLAN_COPY = JSON.parse(
  readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'contract', 'ip-plan-copy.json'), 'utf8')
) as Bundle;
const typesOf = (batch: { resource: { resourceType: string } }[]) => batch.map((e) => e.resource.resourceType);

test('the example plan copy: within 8 entries per transaction, people and organisations first, the CarePlan last, no MessageHeader', () => {
  const { batches } = planTransactions(PLAN_COPY, 8);
  expect(batches.map((b) => b.length)).toEqual([8, 3]);
  const all = batches.flat();
  expect(all).toHaveLength(PLAN_COPY.entry!.length - 1);
  expect(typesOf(all).slice(0, 4).sort()).toEqual(['Organization', 'Organization', 'Patient', 'Practitioner']);
  expect(typesOf(batches[1])).toEqual(['RelatedPerson', 'CareTeam', 'CarePlan']);
  // Every reference points at the same or an earlier transaction.
  const batchOf = new Map(batches.flatMap((b, i) => b.map((e) => [e.fullUrl, i] as const)));
  batches.forEach((b, i) => {
    for (const e of b)
      for (const ref of JSON.stringify(e.resource).match(/urn:uuid:[0-9a-f-]{36}/g) ?? [])
        expect(batchOf.get(ref)).toBeLessThanOrEqual(i);
  });
});

test(
  'people and organisations by conditional create on the national identifier, the plan and its ' +
    "parts by conditional update on theirs; the sender's ids dropped",
  () => {
    const all = planTransactions(PLAN_COPY, 20).batches.flat();
    const patient = all.find((e) => e.resource.resourceType === 'Patient')!;
    expect(patient.request).toEqual({
      method: 'POST',
      url: 'Patient',
      ifNoneExist: `identifier=${encodeURIComponent('urn:oid:2.16.578.1.12.4.1.4.1|12830551210')}`,
    });
    const plan = all.find((e) => e.resource.resourceType === 'CarePlan')!;
    expect(plan.request).toEqual({
      method: 'PUT',
      url: `CarePlan?identifier=${encodeURIComponent('http://ipbro.no/fhir/sid/org/942953119/ip|IP-2026-0042')}`,
    });
    expect(all.every((e) => (e.resource as { id?: string }).id === undefined)).toBe(true);
    expect(planTransactions(PLAN_COPY, 20).batches).toHaveLength(1);
    expect(planTransactions(PLAN_COPY, 1).batches).toHaveLength(11);
  }
);

test('an organisation is keyed by organisasjonsnummer even when its HER-id comes first', () => {
  expect(
    conditionalSearch({
      resourceType: 'Organization',
      identifier: [
        { system: 'urn:oid:2.16.578.1.12.4.1.2', value: '8094512' },
        { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: '997005562' },
      ],
    })
  ).toBe(`identifier=${encodeURIComponent('urn:oid:2.16.578.1.12.4.1.4.101|997005562')}`);
});

test('a resource without a business identifier cannot be delivered idempotently: refused, naming it', () => {
  const b = JSON.parse(JSON.stringify(PLAN_COPY)) as Bundle;
  delete (b.entry![3].resource as { identifier?: unknown }).identifier;
  expect(() => planTransactions(b, 8)).toThrow(UndeliverableError);
  expect(() => planTransactions(b, 8)).toThrow(/Goal\/g1 has no business identifier/);
  expect(() => planTransactions(PLAN_COPY, 0)).toThrow(RangeError);
});

test("a later transaction refers to what an earlier one wrote by the server's id", () => {
  const { batches } = planTransactions(PLAN_COPY, 8);
  const written = new Map(batches[0].map((e, i) => [e.fullUrl, `${e.resource.resourceType}/id-${i}`]));
  const second = transactionBundle(batches[1], written);
  const plan = second.entry!.find((e) => e.resource?.resourceType === 'CarePlan')!.resource as {
    subject: { reference: string };
    careTeam: { reference: string }[];
  };
  expect(plan.subject.reference).toMatch(/^Patient\/id-\d$/);
  expect(plan.careTeam[0].reference).toBe('urn:uuid:63ceaf32-6160-5784-a77f-e03a67917860'); // same transaction: the server resolves it
  expect(second).toMatchObject({ resourceType: 'Bundle', type: 'transaction' });
});

/** A plan's status notice: the plan named by identifier, tagged SUBSETTED, with only its status to say. */
function statusNotice(status: string): Bundle {
  const b = JSON.parse(JSON.stringify(PLAN_COPY)) as Bundle;
  const plan = b.entry![1].resource as CarePlan;
  b.entry = [
    b.entry![0],
    {
      fullUrl: b.entry![1].fullUrl,
      resource: {
        resourceType: 'CarePlan',
        meta: { tag: [SUBSETTED_TAG] },
        identifier: plan.identifier,
        status,
        intent: 'plan',
        subject: plan.subject,
        careTeam: plan.careTeam,
      } as unknown as Resource,
    },
    ...b.entry!.filter((e) => e.resource?.resourceType === 'Patient'),
  ];
  return b;
}

test(
  'a subsetted resource is patched, never put: its top-level primitive elements by JSON Patch in a Binary, ' +
    'its lists and identity left alone',
  () => {
    const { batches } = planTransactions(statusNotice('revoked'));
    const plan = batches.flat().find((e) => e.resource.resourceType === 'CarePlan')!;
    expect(plan.request).toEqual({
      method: 'PATCH',
      url: `CarePlan?identifier=${encodeURIComponent('http://ipbro.no/fhir/sid/org/942953119/ip|IP-2026-0042')}`,
    });
    expect(plan.patch).toEqual([
      { op: 'add', path: '/status', value: 'revoked' },
      { op: 'add', path: '/intent', value: 'plan' },
    ]);
    const sent = transactionBundle(batches[0], new Map()).entry!.find((e) => e.request?.method === 'PATCH')!;
    expect(sent.resource).toMatchObject({ resourceType: 'Binary', contentType: 'application/json-patch+json' });
    expect(JSON.parse(Buffer.from((sent.resource as Binary).data!, 'base64').toString('utf8'))).toEqual(plan.patch);
    expect(
      planTransactions(PLAN_COPY)
        .batches.flat()
        .find((e) => e.resource.resourceType === 'CarePlan')!.request.method
    ).toBe('PUT');
  }
);
