import { AuditTrail, type AuditInput, type AuditPort } from '@ipbro/audit';
import { recordingAudit } from '@ipbro/audit/src/test-support/recording-audit';
import { Directory } from '@ipbro/directory';
import { ledgerKey, MessageLedger } from '@ipbro/message-ledger';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '@ipbro/service-kit';
import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { deliverFromLedger, type MeldepliktDeliveryDeps } from './meldeplikt-delivery';

// Delivery steps on a real ledger and a real HTTP recipient, with a trail that collects what they record.
const MELDEPLIKT = readFileSync(
  join(__dirname, '..', '..', '..', 'test', 'fixtures', 'contract', 'meldeplikt.json'),
  'utf8'
);
const SENDER = '997005562';
const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
let status = 200;
/** Called as each post arrives at the recipient. */
let onPost: (() => void) | undefined;
let server: Server;
let redis: Redis;
let ledger: MessageLedger;
let deps: MeldepliktDeliveryDeps;
let system: AuditTrail;
/** What the steps stored in the trail, in order (the inputs; the trail itself is real). */
let trail: AuditInput[];
let audit: AuditPort;
const quiet = createLogger('delivery-test', { level: 'silent' });

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      onPost?.();
      const id = JSON.parse(text).entry[0].resource.id;
      if (status !== 200) return void res.writeHead(status).end();
      res.writeHead(200, { 'Content-Type': 'application/fhir+json' }).end(
        JSON.stringify({
          resourceType: 'Bundle',
          type: 'message',
          entry: [
            {
              resource: {
                resourceType: 'MessageHeader',
                id: randomUUID(),
                eventCoding: { code: 'meldeplikt' },
                response: { identifier: id, code: 'ok' },
              },
            },
          ],
        })
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  ledger = new MessageLedger(redis, { prefix });
  system = new AuditTrail(redis, { prefix, logger: quiet, source: 'meldeplikt-router' });
  const directory = Directory.fromObject({
    kommuner: [
      {
        kommunenummer: '1508',
        name: 'Ålesund kommune',
        orgnr: '942953119',
        koordinerendeEnhet: { herId: '8110021', endpoint: `http://127.0.0.1:${port}/ke`, delivery: 'fhir-message' },
      },
    ],
    helseforetak: [],
  });
  deps = { ledger, directory, timeoutMs: 2000, maxAttempts: 3, audit };
});
afterAll(async () => {
  await removeTestData(redis, prefix);
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  ({ audit, entries: trail } = recordingAudit(system));
  deps = { ...deps, audit };
  status = 200;
  onPost = undefined;
});

async function accept(kommune = '1508') {
  const bundle = JSON.parse(MELDEPLIKT);
  const id = randomUUID();
  bundle.entry[0].resource.id = id;
  bundle.entry[2].resource.address[0]._district.extension[0].valueCoding.code = kommune;
  await ledger.accept({
    sender: SENDER,
    id,
    event: 'meldeplikt',
    body: JSON.stringify(bundle),
    enqueue: async () => undefined,
  });
  return { id, job: { key: ledgerKey(SENDER, id), messageId: id, sender: SENDER, event: 'meldeplikt' } };
}

test('an attempt is recorded before it leaves, and its outcome after; a job run again on a final message records nothing', async () => {
  const { id, job } = await accept();
  await deliverFromLedger(job, deps);
  expect(trail).toEqual([
    {
      event: 'delivery.attempt',
      messageId: id,
      outcome: 'success',
      who: {},
      sender: SENDER,
      messageEvent: 'meldeplikt',
      recipient: { orgnr: '942953119', herId: '8110021', name: 'Ålesund kommune' },
      detail: expect.stringMatching(/^attempt 1 to http:/),
    },
    {
      event: 'delivery.outcome',
      messageId: id,
      outcome: 'success',
      who: {},
      sender: SENDER,
      messageEvent: 'meldeplikt',
      recipient: { orgnr: '942953119', herId: '8110021', name: 'Ålesund kommune' },
      detail: 'acknowledged (attempt 1): receipt ok',
    },
  ]);
  await deliverFromLedger(job, deps);
  expect(trail).toHaveLength(2);
});

test("the post does not wait for the attempt record's reply from Redis; the outcome is written only after it", async () => {
  const order: string[] = [];
  let attemptStored: Promise<void> | undefined;
  const slow: AuditPort = {
    record: (e): Promise<void> => {
      order.push(e.event);
      // Redis answers the attempt's record late: 150 ms after it was handed over.
      attemptStored = new Promise<void>((r) => setTimeout(() => r(void order.push('attempt stored')), 150));
      return attemptStored;
    },
    // The outcome is prepared just before its move goes to Redis.
    prepare: (e) => {
      order.push(e.event);
      return system.prepare(e);
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
    ['minor-failure', 'retrying'],
    ['minor-failure', 'retrying'],
    ['major-failure', 'dead'],
  ]);
  expect(trail.filter((e) => e.event === 'delivery.attempt')).toHaveLength(3);
});

test('a message for a kommune nobody knows: unroutable, no attempt', async () => {
  const { job } = await accept('0301');
  await deliverFromLedger(job, deps);
  expect(trail).toEqual([
    expect.objectContaining({
      event: 'delivery.outcome',
      outcome: 'minor-failure',
      detail: expect.stringMatching(/^unroutable/),
    }),
  ]);
});

test('a step records to the trail its deps name, and to none without one (there is no process-wide trail)', async () => {
  const { audit: _, ...bare } = deps;
  const { job } = await accept();
  await deliverFromLedger(job, deps);
  expect(trail.map((e) => e.event)).toEqual(['delivery.attempt', 'delivery.outcome']);
  const other = await accept();
  await deliverFromLedger(other.job, bare);
  expect(trail).toHaveLength(2);
  expect(await system.forMessage(other.id)).toEqual([]);
});

test("with the system's trail, each outcome is appended in the ledger's own step, and logged with the entry's id", async () => {
  const lines: string[] = [];
  const logger = createLogger('delivery-test', {
    destination: new Writable({
      write: (c, _e, cb) => {
        lines.push(String(c));
        cb();
      },
    }),
  });
  const logging = new AuditTrail(redis, { prefix, logger, source: 'meldeplikt-router' });
  status = 503;
  const { id, job } = await accept();
  await deliverFromLedger(job, { ...deps, audit: logging });
  status = 200;
  await deliverFromLedger(job, { ...deps, audit: logging });
  const records = await logging.forMessage(id);
  expect(records.map((r) => [r.event, r.detail?.split(':')[0]])).toEqual([
    ['delivery.attempt', 'attempt 1 to http'],
    ['delivery.outcome', 'retrying (attempt 1)'],
    ['delivery.attempt', 'attempt 2 to http'],
    ['delivery.outcome', 'acknowledged (attempt 2)'],
  ]);
  const logged = lines
    .map((l) => JSON.parse(l))
    .filter((l) => l.msg === 'audit')
    .map((l) => l.audit);
  expect(logged.map((r) => r.id)).toEqual(records.map((r) => r.id));
  expect(logged[3]).toMatchObject({
    event: 'delivery.outcome',
    outcome: 'success',
    recipient: { orgnr: '942953119' },
    source: 'meldeplikt-router',
  });
  // The outcome's record is the ledger's move: the same attempt count and state.
  expect(await ledger.get(job.key)).toMatchObject({ state: 'acknowledged', attempts: 2 });
});
