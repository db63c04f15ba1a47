import { ConsentRegistry } from '@ipbro/consent-gate';
import { RecipientLimit, routeMessage } from '@ipbro/delivery-step';
import { Directory } from '@ipbro/directory';
import { ledgerKey, MessageLedger } from '@ipbro/message-ledger';
import { patientKeyer } from '@ipbro/plan-index';
import { holdSlot } from '@ipbro/delivery-step/src/test-support/held-slot';
import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import type { Bundle, Goal } from '@medplum/fhirtypes';
import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deliverDocumentFromLedger, gateRecipient, type DocumentStepDeps } from './document-delivery';
import { byId, planCopy, planOf } from './test-support/document-fixtures';

// The paths of one delivery step that end before or without a peer (the deliveries themselves are
// tested against real FHIR servers and koordinerende enheter in services/document-courier).
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
let redis: Redis;
let deps: DocumentStepDeps;
const demo = () => JSON.parse(readFileSync(join(__dirname, '..', '..', 'directory', 'demo-directory.json'), 'utf8'));

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const d = demo();
  // Nobody listens here: anything that leaves fails; these tests must end before.
  d.helseforetak[0].ehr = {
    fhirBase: 'http://127.0.0.1:9/fhir',
    delivery: 'fhir-rest',
    maxTransactionEntries: 8,
    requiresToken: true,
  };
  deps = {
    ledger: new MessageLedger(redis, { prefix }),
    directory: Directory.fromObject(d),
    timeoutMs: 1000,
    maxAttempts: 3,
    consents: new ConsentRegistry(redis, prefix),
    patientKey: patientKeyer(randomBytes(32)),
  };
});
afterAll(async () => {
  await removeTestData(redis, prefix);
});

async function stored(body: Bundle | string, event = 'ip-plan-copy') {
  const id = randomUUID();
  const key = ledgerKey('942953119', id);
  await deps.ledger.accept({
    sender: '942953119',
    id,
    event,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    enqueue: async () => undefined,
  });
  return { key, messageId: id, sender: '942953119', event };
}

test("the gate's view of a recipient: its orgnr and the HER-ids of its endpoints", () => {
  const r = Directory.fromObject(demo()).recipientFor('ip-plan-copy', { homeKommune: '1508' })!;
  expect(gateRecipient(r)).toEqual({ orgnr: '942953119', herIds: ['8110021'], name: 'Ålesund kommune' });
});

test('a recipient that requires a token, and no token source: retrying, nothing sent; the last attempt: dead', async () => {
  const job = await stored(planCopy({ freshId: true }));
  const first = await deliverDocumentFromLedger(job, deps);
  expect(first).toMatchObject({ kind: 'retry', record: { state: 'retrying', attempts: 1 } });
  expect(first.record?.history.at(-1)?.detail).toMatch(/no token source configured for Helse Møre og Romsdal HF/);
  await deliverDocumentFromLedger(job, deps);
  expect(await deliverDocumentFromLedger(job, deps)).toMatchObject({
    kind: 'fatal',
    record: { state: 'dead', attempts: 3 },
  });
  expect(await deliverDocumentFromLedger(job, deps)).toMatchObject({ kind: 'done', unchanged: true });
});

test('a resource without a business identifier cannot be written idempotently: dead, with the reason', async () => {
  const b = planCopy({ freshId: true });
  delete byId<Goal>(b, 'g1').identifier;
  const r = await deliverDocumentFromLedger(await stored(b), { ...deps, tokenFor: async () => 'token' });
  expect(r).toMatchObject({ kind: 'fatal', record: { state: 'dead' } });
  expect(r.record?.history.at(-1)?.detail).toMatch(/Goal\/g1 has no business identifier/);
});

test(
  'fhir-rest: a plan copy whose plan cannot be rendered as a document (its CarePlan has no plan ' +
    'identifier) is dead, with the reason',
  async () => {
    const b = planCopy({ freshId: true });
    delete planOf(b).identifier;
    const r = await deliverDocumentFromLedger(await stored(b), { ...deps, tokenFor: async () => 'token' });
    expect(r).toMatchObject({ kind: 'fatal', record: { state: 'dead' } });
    expect(r.record?.history.at(-1)?.detail).toMatch(
      /^the plan cannot be rendered as a document: The plan needs an identifier/
    );
  }
);

test('unroutable (a destination nobody knows), unreadable (dead), and blocked before anything leaves', async () => {
  const nowhere = await deliverDocumentFromLedger(await stored(planCopy({ freshId: true, to: '999999999' })), deps);
  expect(nowhere).toMatchObject({ kind: 'done', record: { state: 'unroutable' } });
  expect(await deliverDocumentFromLedger(await stored('{"not":"json'), deps)).toMatchObject({
    kind: 'fatal',
    record: { state: 'dead' },
  });
  const blocked = await deliverDocumentFromLedger(await stored(planCopy({ freshId: true, to: '944305823' })), deps);
  expect(blocked).toMatchObject({
    kind: 'done',
    record: { state: 'blocked', attempts: 0, recipient: { orgnr: '944305823' } },
  });
});

/** The endpoint a stored plan copy goes to (the recipient limit's key). */
function endpointOf(bundle: Bundle): string {
  const route = routeMessage('ip-plan-copy', bundle, deps.directory, ['fhir-message', 'fhir-rest']);
  if (route.kind !== 'recipient') throw new Error('unroutable');
  return route.endpoint;
}

test(
  'a recipient busy for longer than deferAfterMs: defer before the attempt (no token asked, nothing ' +
    'sent, the ledger unchanged); the consent gate comes first, so a blocked message is never deferred',
  async () => {
    let now = 0;
    const limit = new RecipientLimit(1, () => now);
    const toHospital = planCopy({ freshId: true });
    const toMolde = planCopy({ freshId: true, to: '944305823' });
    const slots = [holdSlot(limit, endpointOf(toHospital)), holdSlot(limit, endpointOf(toMolde))];
    now = 5000; // both slots taken 5 s ago
    let asked = 0;
    const busy = { ...deps, recipientLimit: limit, deferAfterMs: 1000, tokenFor: async () => `token-${++asked}` };
    const job = await stored(toHospital);
    const step = await deliverDocumentFromLedger(job, busy);
    expect(step).toMatchObject({
      kind: 'defer',
      endpoint: endpointOf(toHospital),
      record: { state: 'queued', attempts: 0 },
    });
    expect(asked).toBe(0);
    expect(await deps.ledger.get(job.key)).toMatchObject({
      state: 'queued',
      attempts: 0,
      history: [{ state: 'queued' }],
    });
    expect(await deliverDocumentFromLedger(await stored(toMolde), busy)).toMatchObject({
      kind: 'done',
      record: { state: 'blocked' },
    });
    await Promise.all(slots.map((s) => s.free()));
  }
);

test(
  "the exchange takes one of the recipient's slots: a delivery waits for it, then goes (here " +
    'to a server nobody runs: retrying)',
  async () => {
    const limit = new RecipientLimit(1);
    const bundle = planCopy({ freshId: true });
    const slot = holdSlot(limit, endpointOf(bundle));
    let settled = false;
    const step = deliverDocumentFromLedger(await stored(bundle), {
      ...deps,
      recipientLimit: limit,
      tokenFor: async () => 'token',
    }).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(settled).toBe(false);
    expect(limit.waiting()).toBe(1);
    await slot.free();
    expect(await step).toMatchObject({ kind: 'retry', record: { state: 'retrying', attempts: 1 } });
    expect(limit.inFlightTo(endpointOf(bundle))).toBe(0);
  }
);
