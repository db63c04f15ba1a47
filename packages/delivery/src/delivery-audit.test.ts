import { AuditTrail } from '@ipbro/audit';
import { Directory } from '@ipbro/directory';
import { ledgerKey, MessageLedger, type MessageRecord, type MessageState, type TransitionPatch } from '@ipbro/message-ledger';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '@ipbro/service-kit';
import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { deliveryAttemptEntry, deliveryMoveEntry, deliveryOutcomeEntry, useDeliveryAudit, type DeliveryAuditEntry } from './delivery-audit';
import { deliverFromLedger, type DeliveryStepDeps } from './meldeplikt-delivery';

// Delivery steps on a real ledger and a real HTTP recipient, with a trail that collects what they record.
const MELDEPLIKT = readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'contract', 'meldeplikt.json'), 'utf8');
const SENDER = '997005562';
const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
let status = 200;
/** Called as each post arrives at the recipient. */
let onPost: (() => void) | undefined;
let server: Server;
let redis: Redis;
let ledger: MessageLedger;
let deps: DeliveryStepDeps;
const trail: DeliveryAuditEntry[] = [];
const audit = { record: async (e: DeliveryAuditEntry) => void trail.push(e) };

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      onPost?.();
      const id = JSON.parse(text).entry[0].resource.id;
      if (status !== 200) return void res.writeHead(status).end();
      res.writeHead(200, { 'Content-Type': 'application/fhir+json' }).end(JSON.stringify({ resourceType: 'Bundle', type: 'message', entry: [{ resource: { resourceType: 'MessageHeader', id: randomUUID(), eventCoding: { code: 'meldeplikt' }, response: { identifier: id, code: 'ok' } } }] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  ledger = new MessageLedger(redis, { prefix });
  const directory = Directory.fromObject({
    kommuner: [{ kommunenummer: '1508', name: 'Ålesund kommune', orgnr: '942953119', koordinerendeEnhet: { herId: '8110021', endpoint: `http://127.0.0.1:${port}/ke`, delivery: 'fhir-message' } }],
    helseforetak: [],
  });
  deps = { ledger, directory, timeoutMs: 2000, maxAttempts: 3, audit };
});
afterAll(async () => {
  await removeTestData(redis, prefix);
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  trail.length = 0;
  status = 200;
  onPost = undefined;
});

async function accept(kommune = '1508') {
  const bundle = JSON.parse(MELDEPLIKT);
  const id = randomUUID();
  bundle.entry[0].resource.id = id;
  bundle.entry[2].resource.address[0]._district.extension[0].valueCoding.code = kommune;
  await ledger.accept({ sender: SENDER, id, event: 'meldeplikt', body: JSON.stringify(bundle), enqueue: async () => undefined });
  return { id, job: { key: ledgerKey(SENDER, id), messageId: id, sender: SENDER, event: 'meldeplikt' } };
}

test('an attempt is recorded before it leaves, and its outcome after; a job run again on a final message records nothing', async () => {
  const { id, job } = await accept();
  await deliverFromLedger(job, deps);
  expect(trail).toEqual([
    { event: 'delivery.attempt', messageId: id, outcome: 'success', who: {}, sender: SENDER, messageEvent: 'meldeplikt', recipient: { orgnr: '942953119', herId: '8110021', name: 'Ålesund kommune' }, detail: expect.stringMatching(/^attempt 1 to http:/) },
    { event: 'delivery.outcome', messageId: id, outcome: 'success', who: {}, sender: SENDER, messageEvent: 'meldeplikt', recipient: { orgnr: '942953119', herId: '8110021', name: 'Ålesund kommune' }, detail: 'acknowledged (attempt 1): receipt ok' },
  ]);
  await deliverFromLedger(job, deps);
  expect(trail).toHaveLength(2);
});

test("the post does not wait for the attempt record's reply from Redis; the outcome is written only after it", async () => {
  const order: string[] = [];
  let attemptStored: Promise<void> | undefined;
  const slow = {
    record: (e: DeliveryAuditEntry): Promise<void> => {
      order.push(e.event);
      if (e.event !== 'delivery.outcome') {
        // Redis answers the attempt's record late: 150 ms after it was handed over.
        attemptStored = new Promise<void>((r) => setTimeout(() => r(void order.push('attempt stored')), 150));
        return attemptStored;
      }
      return Promise.resolve();
    },
  };
  onPost = () => order.push('post arrived');
  const { job } = await accept();
  const step = await deliverFromLedger(job, { ...deps, audit: slow });
  expect(step).toMatchObject({ kind: 'done', record: { state: 'acknowledged' } });
  expect(order).toEqual(['delivery.attempt', 'post arrived', 'attempt stored', 'delivery.outcome']);
});

test('a transient failure is a minor failure, the last one a major one (dead)', async () => {
  status = 503;
  const { job } = await accept();
  for (let i = 0; i < 3; i++) await deliverFromLedger(job, deps);
  expect(trail.filter((e) => e.event === 'delivery.outcome').map((e) => [e.outcome, e.detail?.split(' ')[0]])).toEqual([
    ['minor-failure', 'retrying'], ['minor-failure', 'retrying'], ['major-failure', 'dead'],
  ]);
  expect(trail.filter((e) => e.event === 'delivery.attempt')).toHaveLength(3);
});

test('a message for a kommune nobody knows: unroutable, no attempt', async () => {
  const { job } = await accept('0301');
  await deliverFromLedger(job, deps);
  expect(trail).toEqual([expect.objectContaining({ event: 'delivery.outcome', outcome: 'minor-failure', detail: expect.stringMatching(/^unroutable/) })]);
});

test('useDeliveryAudit: the process-wide trail is used when the deps name none', async () => {
  const { audit: _, ...bare } = deps;
  useDeliveryAudit(audit);
  try {
    const { job } = await accept();
    await deliverFromLedger(job, bare);
    expect(trail.map((e) => e.event)).toEqual(['delivery.attempt', 'delivery.outcome']);
  } finally {
    useDeliveryAudit(undefined);
  }
  const { job } = await accept();
  await deliverFromLedger(job, bare);
  expect(trail).toHaveLength(2);
});

test("with the system's trail, each outcome is appended in the ledger's own step, and logged with the entry's id", async () => {
  const lines: string[] = [];
  const logger = createLogger('delivery-test', { destination: new Writable({ write: (c, _e, cb) => { lines.push(String(c)); cb(); } }) });
  const system = new AuditTrail(redis, { prefix, logger, source: 'meldeplikt-router' });
  status = 503;
  const { id, job } = await accept();
  await deliverFromLedger(job, { ...deps, audit: system });
  status = 200;
  await deliverFromLedger(job, { ...deps, audit: system });
  const records = await system.forMessage(id);
  expect(records.map((r) => [r.event, r.detail?.split(':')[0]])).toEqual([
    ['delivery.attempt', 'attempt 1 to http'],
    ['delivery.outcome', 'retrying (attempt 1)'],
    ['delivery.attempt', 'attempt 2 to http'],
    ['delivery.outcome', 'acknowledged (attempt 2)'],
  ]);
  const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'audit').map((l) => l.audit);
  expect(logged.map((r) => r.id)).toEqual(records.map((r) => r.id));
  expect(logged[3]).toMatchObject({ event: 'delivery.outcome', outcome: 'success', recipient: { orgnr: '942953119' }, source: 'meldeplikt-router' });
  // The outcome's record is the ledger's move: the same attempt count and state.
  expect(await ledger.get(job.key)).toMatchObject({ state: 'acknowledged', attempts: 2 });
});

test('deliveryMoveEntry says what deliveryOutcomeEntry says of the record the move leaves, without that record being built', () => {
  const prior: MessageRecord = {
    key: `${'997005562'}:m1`, id: 'm1', sender: '997005562', event: 'meldeplikt', state: 'retrying', attempts: 1,
    recipient: { kommunenummer: '1508', orgnr: '942953119', herId: '8110021', name: 'Ålesund kommune', endpoint: 'http://ke' },
    history: [{ at: '2026-11-30T10:00:00.000Z', state: 'queued', detail: 'accepted' }], receivedAt: '2026-11-30T10:00:00.000Z', updatedAt: '2026-11-30T10:00:00.000Z',
  };
  const moves: Array<[MessageState, string, TransitionPatch]> = [
    ['acknowledged', 'receipt ok', { attempts: 2, recipient: prior.recipient, receipt: { code: 'ok', at: '2026-11-30T10:00:01.000Z' } }],
    ['retrying', 'attempt 2 of 6: HTTP 503', { attempts: 2, recipient: { kommunenummer: '1506', orgnr: '944305823' } }],
    ['dead', '', {}],
    ['blocked', 'no consent for Molde', { recipient: undefined }],
    ['unroutable', 'no koordinerende enhet for 9999', {}],
  ];
  for (const [state, detail, patch] of moves) {
    const moved: MessageRecord = { ...prior, ...patch, state, history: [...prior.history, { at: '', state, ...(detail ? { detail } : {}) }] };
    expect(deliveryMoveEntry(prior, state, detail, patch)).toEqual(deliveryOutcomeEntry(moved));
  }
  expect(deliveryMoveEntry(prior, 'blocked', 'no consent', {})).toMatchObject({ event: 'message.blocked', outcome: 'serious-failure', detail: 'blocked (attempt 1): no consent', recipient: { orgnr: '942953119', herId: '8110021', name: 'Ålesund kommune' } });
  // Only the party's own fields reach the trail: not the kommunenummer or the endpoint.
  expect(deliveryAttemptEntry(prior, { ...prior.recipient, endpoint: 'http://ke' }, 2)).toEqual({
    event: 'delivery.attempt', messageId: 'm1', outcome: 'success', who: {}, sender: '997005562', messageEvent: 'meldeplikt',
    recipient: { orgnr: '942953119', herId: '8110021', name: 'Ålesund kommune' }, detail: 'attempt 2 to http://ke',
  });
});
