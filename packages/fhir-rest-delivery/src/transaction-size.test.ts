import type { Bundle, CarePlan } from '@medplum/fhirtypes';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { deliverTransactions } from './transaction-client';
import { planTransactions } from './transaction-plan';
import { capabilityLimit, limitOf, refusedAsTooLarge, TransactionSizes } from './transaction-size';
import { listeningPeer } from './test-support/listening-peer';

// The contract's plan copy (11 resources to write) to real FHIR servers that take fewer per transaction.
const PLAN_COPY = readFileSync(
  join(__dirname, '..', '..', '..', 'test', 'fixtures', 'contract', 'ip-plan-copy.json'),
  'utf8'
);
const options = { messageId: 'm-size', timeoutMs: 5000 };
const TYPES = ['CarePlan', 'CareTeam', 'Goal', 'Consent', 'Patient', 'Practitioner', 'RelatedPerson', 'Organization'];

const medplum = listeningPeer();
const silent = listeningPeer({ capabilityStatement: false });

/** How many resources of each type a server holds. */
async function counts(base: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const type of TYPES) out[type] = ((await (await fetch(`${base}/${type}`)).json()) as Bundle).entry?.length ?? 0;
  return out;
}
const posts = (at: { peer: { requests: { method: string }[] } }) =>
  at.peer.requests.filter((r) => r.method === 'POST').length;

test(
  "with no limit given, the plan copy reaches Medplum's FhirRouter: refused whole, cut to the 8 its " +
    'CapabilityStatement implies, remembered; again, nothing duplicated',
  async () => {
    const sizes = new TransactionSizes();
    const first = await deliverTransactions(medplum.base, planTransactions(JSON.parse(PLAN_COPY)), {
      ...options,
      sizes,
    });
    expect(first).toMatchObject({ kind: 'written', transactions: 2 });
    expect(first.kind === 'written' && first.locations.size).toBe(11);
    expect(medplum.peer.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /',
      'GET /metadata',
      'POST /',
      'POST /',
    ]);
    expect(sizes.limitFor(medplum.base)).toBe(8);
    const once = await counts(medplum.base);
    expect(once).toEqual({
      CarePlan: 1,
      CareTeam: 1,
      Goal: 2,
      Consent: 2,
      Patient: 1,
      Practitioner: 1,
      RelatedPerson: 1,
      Organization: 2,
    });
    // The second delivery knows the size: two transactions, no refusal, no second read of /metadata.
    medplum.peer.requests.length = 0;
    expect(
      await deliverTransactions(medplum.base, planTransactions(JSON.parse(PLAN_COPY)), { ...options, sizes })
    ).toMatchObject({ kind: 'written', transactions: 2 });
    expect(medplum.peer.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /', 'POST /']);
    expect(await counts(medplum.base)).toEqual(once);
    const plan = ((await (await fetch(`${medplum.base}/CarePlan`)).json()) as Bundle).entry![0].resource as CarePlan;
    const team = ((await (await fetch(`${medplum.base}/CareTeam`)).json()) as Bundle).entry![0].resource as {
      id: string;
    };
    expect(plan.careTeam?.[0].reference).toBe(`CareTeam/${team.id}`);
  }
);

test('a server whose CapabilityStatement tells nothing: halved until it takes them (11 → 5), remembered per server', async () => {
  const sizes = new TransactionSizes();
  const outcome = await deliverTransactions(silent.base, planTransactions(JSON.parse(PLAN_COPY)), {
    ...options,
    sizes,
  });
  expect(outcome).toMatchObject({ kind: 'written', transactions: 3 });
  expect(sizes.limitFor(silent.base)).toBe(5);
  expect(sizes.limitFor(medplum.base)).toBeUndefined();
  expect(posts(silent)).toBe(4);
  await deliverTransactions(silent.base, planTransactions(JSON.parse(PLAN_COPY)), { ...options, sizes });
  expect(await counts(silent.base)).toEqual({
    CarePlan: 1,
    CareTeam: 1,
    Goal: 2,
    Consent: 2,
    Patient: 1,
    Practitioner: 1,
    RelatedPerson: 1,
    Organization: 2,
  });
});

test(
  "the directory's maxTransactionEntries is an override: its size is used, nothing learned, and a refusal " +
    "is the delivery's answer",
  async () => {
    const sizes = new TransactionSizes();
    const refused = await deliverTransactions(medplum.base, planTransactions(JSON.parse(PLAN_COPY), 20), {
      ...options,
      sizes,
    });
    expect(refused).toMatchObject({ kind: 'rejected', reason: expect.stringContaining('too many entries') });
    expect(sizes.limitFor(medplum.base)).toBeUndefined();
    expect(posts(medplum)).toBe(1);
    expect(
      await deliverTransactions(medplum.base, planTransactions(JSON.parse(PLAN_COPY), 4), { ...options, sizes })
    ).toMatchObject({ kind: 'written', transactions: 3 });
  }
);

/** A stand-in FHIR server behind a proxy that answers 413 to a transaction of more than `max` entries, and writes nothing. */
function sizeLimitedServer(max: number): Promise<{ server: Server; base: string; got: number[] }> {
  const got: number[] = [];
  const server = createServer((req, res) => {
    if (req.method !== 'POST') return void res.writeHead(404).end(); // no CapabilityStatement here
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const b = JSON.parse(text) as Bundle;
      got.push(b.entry!.length);
      if (b.entry!.length > max)
        return void res
          .writeHead(413, { 'Content-Type': 'text/html' })
          .end('<html>413 Request Entity Too Large</html>');
      const entry = b.entry!.map((e, i) => ({
        response: { status: '201 Created', location: `${e.request!.url.split('?')[0]}/${got.length}-${i}` },
      }));
      res
        .writeHead(200, { 'Content-Type': 'application/fhir+json' })
        .end(JSON.stringify({ resourceType: 'Bundle', type: 'transaction-response', entry }));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, base: `http://127.0.0.1:${(server.address() as { port: number }).port}`, got })
    )
  );
}

test("413 (a proxy's size limit, no CapabilityStatement): cut smaller and smaller, in order, until every transaction passes", async () => {
  const sizes = new TransactionSizes();
  const s = await sizeLimitedServer(3);
  try {
    const outcome = await deliverTransactions(s.base, planTransactions(JSON.parse(PLAN_COPY)), { ...options, sizes });
    expect(outcome).toMatchObject({ kind: 'written', transactions: 6 });
    // 11 refused → 5 refused → 2 at a time: 2, 2, 2, 2, 2, 1.
    expect(s.got).toEqual([11, 5, 2, 2, 2, 2, 2, 1]);
    expect(sizes.limitFor(s.base)).toBe(2);
  } finally {
    s.server.close();
  }
});

test('one entry refused as too large cannot be cut: the refusal stands', async () => {
  const sizes = new TransactionSizes();
  const s = await sizeLimitedServer(0);
  try {
    const outcome = await deliverTransactions(s.base, planTransactions(JSON.parse(PLAN_COPY)), { ...options, sizes });
    expect(outcome).toMatchObject({ kind: 'rejected', reason: expect.stringContaining('HTTP 413') });
    expect(s.got).toEqual([11, 5, 2, 1]);
  } finally {
    s.server.close();
  }
});

test('what counts as refused for size, and what a CapabilityStatement tells', async () => {
  const outcome = (text: string) => ({
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'invalid', details: { text } }],
  });
  expect(refusedAsTooLarge({ status: 413, body: '', headers: {} })).toBe(true);
  expect(
    refusedAsTooLarge({
      status: 400,
      body: outcome('Transaction requires strict isolation but has too many entries'),
      headers: {},
    })
  ).toBe(true);
  expect(
    refusedAsTooLarge({
      status: 400,
      body: outcome('Transaction contains more update operations than allowed'),
      headers: {},
    })
  ).toBe(true);
  expect(refusedAsTooLarge({ status: 400, body: outcome('Invalid value for CarePlan.status'), headers: {} })).toBe(
    false
  );
  expect(refusedAsTooLarge({ status: 503, body: outcome('too many entries'), headers: {} })).toBe(false);
  expect(refusedAsTooLarge({ error: { message: 'ECONNRESET' } })).toBe(false);
  expect(
    limitOf({
      resourceType: 'CapabilityStatement',
      status: 'active',
      date: '2026-01-01',
      kind: 'instance',
      fhirVersion: '4.0.1',
      format: ['json'],
      software: { name: 'medplum' },
    })
  ).toBe(8);
  expect(
    limitOf({
      resourceType: 'CapabilityStatement',
      status: 'active',
      date: '2026-01-01',
      kind: 'instance',
      fhirVersion: '4.0.1',
      format: ['json'],
      software: { name: 'HAPI FHIR Server' },
    })
  ).toBeUndefined();
  expect(await capabilityLimit(medplum.base, options)).toBe(8);
  expect(await capabilityLimit(silent.base, options)).toBeUndefined();
  expect(await capabilityLimit('http://127.0.0.1:9', options)).toBeUndefined();
});
