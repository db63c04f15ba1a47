import { Directory } from '@ipbro/directory';
import { createKommuneSimulator } from '@ipbro/simulated-peers';
import { AuditTrail } from '@ipbro/audit';
import { jobIdFor, ledgerKey, type MessageRecord } from '@ipbro/message-ledger';
import { createQueue, QUEUES } from '@ipbro/queues';
import { ReplicaAckError, replicaAck } from '@ipbro/redis';
import { createLogger } from '@ipbro/service-kit';
import express from 'express';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startMeldepliktRouter, type MeldepliktRouter, type RouterOptions } from './router';

// The router in-process against real Redis (a unique prefix per router), a real kommune-simulator
// on an ephemeral port, and the ledger written directly to stand in for the gateway.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROOT = join(__dirname, '..', '..', '..');
const MELDEPLIKT = readFileSync(join(ROOT, 'test', 'fixtures', 'contract', 'meldeplikt.json'), 'utf8');
const DEMO_DIRECTORY = JSON.parse(readFileSync(join(ROOT, 'packages', 'directory', 'demo-directory.json'), 'utf8'));
const SENDER = '997005562';
const quiet = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });

let redis: Redis;
let simServer: Server;
let gatewayServer: Server;
let sim: ReturnType<typeof createKommuneSimulator>;
const gatewayGot: any[] = [];
let directoryFile: string;
let directory: Directory;
let router: MeldepliktRouter;
const prefixes: string[] = [];
const routers: MeldepliktRouter[] = [];
const connections: Redis[] = [];

const simPort = () => (simServer.address() as { port: number }).port;
/** The demo directory pointed at the simulator; `without` leaves kommuner out. */
function directoryData(without: string[] = [], extra: object[] = []): object {
  const d = JSON.parse(JSON.stringify(DEMO_DIRECTORY));
  for (const k of d.kommuner)
    k.koordinerendeEnhet.endpoint = k.koordinerendeEnhet.endpoint.replace(':4101', `:${simPort()}`);
  d.kommuner = [...d.kommuner.filter((k: { kommunenummer: string }) => !without.includes(k.kommunenummer)), ...extra];
  return d;
}
const writeDirectory = (without: string[] = []) => writeFileSync(directoryFile, JSON.stringify(directoryData(without)));

function connection(): Redis {
  const c = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  connections.push(c);
  return c;
}
function startRouter(dir: Directory, overrides: Partial<RouterOptions> = {}): MeldepliktRouter {
  const prefix = overrides.prefix ?? `{ipbro-router-${randomUUID().slice(0, 8)}}`;
  prefixes.push(prefix);
  const r = startMeldepliktRouter({
    producer: connection(),
    workerConnection: connection(),
    directory: dir,
    logger: quiet,
    prefix,
    delivery: { firstDelayMs: 50, ceilingMs: 200, attempts: 6, timeoutMs: 2000 },
    sweepMs: 60000,
    ...overrides,
  });
  routers.push(r);
  return r;
}

beforeAll(async () => {
  redis = connection();
  const gateway = express();
  gateway.post('/fhir/$process-message', express.json({ type: 'application/fhir+json' }), (req, res) => {
    gatewayGot.push(req.body);
    res.status(200).end();
  });
  gatewayServer = await new Promise<Server>((resolve) => {
    const s = gateway.listen(0, '127.0.0.1', () => resolve(s));
  });
  sim = createKommuneSimulator({
    logger: quiet,
    gatewayUrl: `http://127.0.0.1:${(gatewayServer.address() as { port: number }).port}`,
  });
  simServer = await new Promise<Server>((resolve) => {
    const s = sim.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  directoryFile = join(mkdtempSync(join(tmpdir(), 'ipbro-router-')), 'directory.json');
  writeDirectory(['1506']);
  directory = Directory.fromFile(directoryFile, { pollMs: 100 });
  router = startRouter(directory);
});

afterAll(async () => {
  for (const r of routers) await r.close();
  directory.close();
  sim.close();
  simServer.closeAllConnections();
  await new Promise<void>((r) => simServer.close(() => r()));
  await new Promise<void>((r) => gatewayServer.close(() => r()));
  for (const prefix of prefixes) {
    const q = createQueue(QUEUES.meldeplikt, redis, { firstDelayMs: 1, ceilingMs: 1, attempts: 1 }, prefix);
    await q.obliterate({ force: true });
    await q.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
  }
  for (const c of connections) c.disconnect();
});

beforeEach(() => {
  sim.reset();
  gatewayGot.length = 0;
});

/** Stands in for the gateway: a fresh copy of the example meldeplikt with its own id, into the ledger and the queue. */
async function accept(
  via: MeldepliktRouter = router,
  mutate?: (bundle: any) => void
): Promise<{ key: string; id: string }> {
  const bundle = JSON.parse(MELDEPLIKT);
  bundle.entry[0].resource.id = randomUUID();
  mutate?.(bundle);
  const id: string = bundle.entry[0].resource.id;
  const key = ledgerKey(SENDER, id);
  await via.ledger.accept({
    sender: SENDER,
    id,
    event: 'meldeplikt',
    body: JSON.stringify(bundle),
    enqueue: async (jobId) => {
      await via.queue.add('deliver', { key, messageId: id, sender: SENDER, event: 'meldeplikt' }, { jobId });
    },
  });
  return { key, id };
}
const toKommune = (code: string) => (b: any) => {
  b.entry[2].resource.address[0]._district.extension[0].valueCoding.code = code;
};

async function until(
  key: string,
  states: string[],
  via: MeldepliktRouter = router,
  ms = 10000
): Promise<MessageRecord> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await via.ledger.get(key);
    if (r && states.includes(r.state)) return r;
    if (Date.now() > end) throw new Error(`${key} is ${r?.state}, expected ${states.join('|')}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Ålesund's koordinerende enhet replaced by a server that answers every request 202 after `delayMs`:
 * the demo directory pointing at it, the request ids in the order answered, and the most requests
 * it had open at once.
 */
async function slowAlesund(
  delayMs: number
): Promise<{ directory: object; answered: string[]; mostOpen: () => number; close: () => Promise<void> }> {
  const answered: string[] = [];
  let open = 0;
  let most = 0;
  const server = createServer((req, res) => {
    most = Math.max(most, ++open);
    req.resume();
    req.on('end', () =>
      setTimeout(() => {
        open--;
        answered.push(String(req.headers['x-request-id']));
        res.writeHead(202).end();
      }, delayMs)
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const directory = directoryData() as {
    kommuner: { kommunenummer: string; koordinerendeEnhet: { endpoint: string } }[];
  };
  directory.kommuner.find((k) => k.kommunenummer === '1508')!.koordinerendeEnhet.endpoint =
    `http://127.0.0.1:${(server.address() as { port: number }).port}/ke`;
  return { directory, answered, mostOpen: () => most, close: () => new Promise<void>((r) => server.close(() => r())) };
}

test('the example meldeplikt reaches Ålesund exactly once and ends acknowledged, with history', async () => {
  const { key, id } = await accept();
  const r = await until(key, ['acknowledged']);
  expect(r.history.map((h) => h.state)).toEqual(['queued', 'acknowledged']);
  expect(r).toMatchObject({
    id,
    attempts: 1,
    recipient: { kommunenummer: '1508', name: 'Ålesund kommune', herId: '8110021' },
    receipt: { code: 'ok' },
  });
  await pause(200); // time enough for a wrongful second delivery
  expect([...sim.received.values()]).toEqual([
    expect.objectContaining({ id, kommune: '1508', event: 'meldeplikt', count: 1 }),
  ]);
  expect(await router.queue.getJobCountByTypes('waiting', 'active', 'delayed', 'failed')).toBe(0);
});

test('503 three times, then OK: acknowledged after retries, each attempt in the history with its reason', async () => {
  sim.setBehaviour({ sequence: ['503', '503', '503', 'ok'] }, '1508');
  const { key } = await accept();
  const r = await until(key, ['acknowledged']);
  expect(r.attempts).toBe(4);
  expect(r.history.map((h) => h.state)).toEqual(['queued', 'retrying', 'retrying', 'retrying', 'acknowledged']);
  expect(r.history[1].detail).toBe('attempt 1 of 6: HTTP 503: simulated 503');
  expect(r.history[3].detail).toContain('attempt 3 of 6');
});

test('a transient-error receipt is retried like a 503', async () => {
  sim.setBehaviour({ sequence: ['transient-error', 'ok'] }, '1508');
  const { key } = await accept();
  const r = await until(key, ['acknowledged']);
  expect(r.history.map((h) => h.state)).toEqual(['queued', 'retrying', 'acknowledged']);
  expect(r.history[1].detail).toContain('receipt transient-error');
});

test('400: rejected after one attempt, never retried', async () => {
  sim.setBehaviour({ sequence: ['400', 'ok'] }, '1508');
  const { key } = await accept();
  const r = await until(key, ['rejected']);
  await pause(400); // time enough for a wrongful retry (backoff 50 ms)
  expect(await router.ledger.get(key)).toMatchObject({ state: 'rejected', attempts: 1 });
  expect(r.history.at(-1)?.detail).toBe('HTTP 400: simulated 400');
  expect(sim.received.size).toBe(0);
});

test("a fatal-error receipt: rejected, with the kommune's reason", async () => {
  sim.setBehaviour({ sequence: ['fatal-error'] }, '1508');
  const { key } = await accept();
  const r = await until(key, ['rejected']);
  expect(r.history.at(-1)?.detail).toContain('receipt fatal-error: E35');
});

test('a receiver that keeps failing: dead once the attempts are spent', async () => {
  sim.setBehaviour({ sequence: ['503'] }, '1508');
  const { key } = await accept();
  const r = await until(key, ['dead']);
  expect(r.attempts).toBe(6);
  expect(r.history.filter((h) => h.state === 'retrying')).toHaveLength(5);
  expect(r.history.at(-1)?.detail).toContain('attempts exhausted (6)');
});

test('a job that fails for good without a delivery outcome (its body is gone): dead, with the audit record of that outcome', async () => {
  const prefix = `{ipbro-router-${randomUUID().slice(0, 8)}}`;
  const trail = new AuditTrail(connection(), { prefix, logger: quiet, source: 'meldeplikt-router' });
  const own = startRouter(directory, {
    prefix,
    audit: trail,
    delivery: { firstDelayMs: 20, ceilingMs: 50, attempts: 2, timeoutMs: 2000 },
  });
  const id = randomUUID();
  const key = ledgerKey(SENDER, id);
  // A record without a body: every attempt throws before it could post.
  await own.ledger.ensureRecord({ key, id, sender: SENDER, event: 'meldeplikt' });
  await own.queue.add('deliver', { key, messageId: id, sender: SENDER, event: 'meldeplikt' }, { jobId: jobIdFor(key) });
  const r = await until(key, ['dead'], own);
  expect(r.history.at(-1)?.detail).toBe(`delivery job failed for good: Message ${key} has no body in the ledger`);
  for (let i = 0; i < 50 && (await trail.forMessage(id)).length === 0; i++) await pause(20);
  expect(await trail.forMessage(id)).toEqual([
    expect.objectContaining({
      event: 'delivery.outcome',
      outcome: 'major-failure',
      messageId: id,
      detail: `dead (attempt 0): delivery job failed for good: Message ${key} has no body in the ledger`,
    }),
  ]);
  expect(sim.received.size).toBe(0);
});

test('later: delivered at once (202); the receipt goes to the gateway, not to the router', async () => {
  sim.setBehaviour({ sequence: ['later'], laterMs: 50 }, '1508');
  const { key, id } = await accept();
  const r = await until(key, ['delivered']);
  expect(r.history.at(-1)?.detail).toBe('HTTP 202, receipt to follow');
  for (let i = 0; i < 100 && gatewayGot.length === 0; i++) await pause(20);
  expect(gatewayGot[0].entry[0].resource.response).toEqual({ identifier: id, code: 'ok' });
  expect(await router.ledger.get(key)).toMatchObject({ state: 'delivered', attempts: 1 });
});

test('unknown kommune: unroutable, then delivered by itself once the directory file gains it, without restart', async () => {
  const { key } = await accept(router, toKommune('1506'));
  const parked = await until(key, ['unroutable']);
  expect(parked.history.at(-1)?.detail).toBe('no koordinerende enhet known for kommune 1506');
  expect(parked.attempts).toBe(0);
  writeDirectory([]);
  const r = await until(key, ['acknowledged']);
  expect(r.recipient?.kommunenummer).toBe('1506');
  expect(r.history.map((h) => h.state)).toEqual(['queued', 'unroutable', 'queued', 'acknowledged']);
  expect(sim.received.get(`1506:${r.id}`)?.count).toBe(1);
});

test('a re-drive missed while down: the start-up sweep finds it, and two routers sweeping at once queue it once', async () => {
  const without = Directory.fromObject(directoryData(['5001']));
  const prefix = `{ipbro-router-${randomUUID().slice(0, 8)}}`;
  const first = startRouter(without, { prefix });
  const { key } = await accept(first, toKommune('5001'));
  await until(key, ['unroutable'], first);
  await first.close();
  // Started later, with a directory that knows Trondheim: no 'reloaded' event ever reaches them.
  const knowing = Directory.fromObject(directoryData());
  const a = startRouter(knowing, { prefix });
  const b = startRouter(knowing, { prefix });
  const counts = await Promise.all([a.redriveUnroutable(), b.redriveUnroutable()]);
  expect(counts.reduce((x, y) => x + y, 0)).toBe(1);
  const r = await until(key, ['acknowledged'], a);
  expect(r.recipient?.kommunenummer).toBe('5001');
  expect(await a.redriveUnroutable()).toBe(0);
});

test('Retry-After longer than the backoff is honoured', async () => {
  const hits: number[] = [];
  const picky = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      hits.push(Date.now());
      const id = JSON.parse(text).entry[0].resource.id;
      if (hits.length === 1) res.writeHead(429, { 'Retry-After': '1' }).end();
      else
        res.writeHead(200, { 'Content-Type': 'application/fhir+json' }).end(
          JSON.stringify({
            resourceType: 'Bundle',
            type: 'message',
            entry: [
              {
                resource: {
                  resourceType: 'MessageHeader',
                  eventCoding: { code: 'meldeplikt' },
                  response: { identifier: id, code: 'ok' },
                },
              },
            ],
          })
        );
    });
  });
  await new Promise<void>((r) => picky.listen(0, '127.0.0.1', () => r()));
  const lund = {
    kommunenummer: '1112',
    name: 'Lund kommune',
    orgnr: '964978840',
    koordinerendeEnhet: {
      endpoint: `http://127.0.0.1:${(picky.address() as { port: number }).port}/ke`,
      delivery: 'fhir-message',
    },
  };
  const r2 = startRouter(Directory.fromObject(directoryData([], [lund])), {
    delivery: { firstDelayMs: 50, ceilingMs: 5000, attempts: 6, timeoutMs: 2000 },
  });
  try {
    const { key } = await accept(r2, toKommune('1112'));
    const r = await until(key, ['acknowledged'], r2);
    expect(r.attempts).toBe(2);
    expect(hits[1] - hits[0]).toBeGreaterThanOrEqual(950); // not the 50 ms backoff
  } finally {
    await new Promise((r) => picky.close(r));
  }
});

test('many deliveries in progress, but no more than concurrencyPerRecipient posts at once to one kommune; the others go on', async () => {
  // Ålesund's koordinerende enhet holds every request 600 ms.
  const slow = await slowAlesund(600);
  const received = slow.answered;
  const registry = new (await import('prom-client')).Registry();
  const r2 = startRouter(Directory.fromObject(slow.directory), {
    concurrency: 12,
    concurrencyPerRecipient: 3,
    registry,
  });
  try {
    const toAlesund = await Promise.all(Array.from({ length: 9 }, () => accept(r2)));
    const waiting = async () =>
      (await registry.getSingleMetric('ipbro_deliveries_waiting_for_recipient')!.get()).values[0].value;
    for (let i = 0; i < 100 && (await waiting()) < 6; i++) await pause(10);
    expect(await waiting()).toBe(6); // 3 posting, 6 in line
    // Oslo's messages are not held up behind Ålesund's line: done before Ålesund's first answer.
    const toOslo = await Promise.all(Array.from({ length: 2 }, () => accept(r2, toKommune('0301'))));
    for (const { key } of toOslo)
      expect((await until(key, ['acknowledged', 'delivered'], r2, 2000)).recipient?.kommunenummer).toBe('0301');
    expect(received).toEqual([]);
    for (const { key } of toAlesund) await until(key, ['delivered'], r2);
    expect(await waiting()).toBe(0);
    expect(slow.mostOpen()).toBe(3);
    expect(received.sort()).toEqual(toAlesund.map((m) => m.id).sort());
  } finally {
    await slow.close();
  }
});

test(
  'a recipient slow enough to keep a long line: its deliveries beyond deferAfterMs go back to ' +
    'the queue, so they do not take every slot from other kommuner',
  async () => {
    // Ålesund's koordinerende enhet answers each request after 800 ms, one at a time (concurrencyPerRecipient 1).
    const slow = await slowAlesund(800);
    const answered = slow.answered;
    const registry = new (await import('prom-client')).Registry();
    const r2 = startRouter(Directory.fromObject(slow.directory), {
      concurrency: 4,
      concurrencyPerRecipient: 1,
      deferAfterMs: 300,
      registry,
    });
    try {
      // Six for Ålesund take all four slots (one posting, three in line); the line is 2.4 s long.
      const toAlesund = await Promise.all(Array.from({ length: 6 }, () => accept(r2)));
      for (let i = 0; i < 100 && (await r2.queue.getJobCountByTypes('active')) < 4; i++) await pause(10);
      const toOslo = await Promise.all(Array.from({ length: 2 }, () => accept(r2, toKommune('0301'))));
      // Oslo's are done within about one of Ålesund's answers: the deliveries that came to Ålesund's
      // line after it was known to be slow went back to the queue instead of waiting in a slot.
      // (Without deferral Oslo's would wait for slots until Ålesund's third answer, 2.4 s in.)
      for (const { key } of toOslo) await until(key, ['acknowledged', 'delivered'], r2, 5000);
      expect(answered.length).toBeLessThan(3);
      // Every one of Ålesund's is delivered once, on its first attempt: a deferral is not an attempt.
      for (const { key } of toAlesund)
        expect(await until(key, ['delivered'], r2, 20000)).toMatchObject({
          attempts: 1,
          history: [{ state: 'queued' }, { state: 'delivered' }],
        });
      expect([...answered].sort()).toEqual(toAlesund.map((m) => m.id).sort());
      const deferred = (await registry.getSingleMetric('ipbro_deliveries_deferred_total')!.get()).values;
      expect(deferred.reduce((sum, v) => sum + v.value, 0)).toBeGreaterThan(0);
      expect(deferred.every((v) => String(v.labels.recipient).endsWith('/ke'))).toBe(true);
    } finally {
      await slow.close();
    }
  },
  30000
);

test('close() lets an in-flight delivery finish and books it; past the close timeout it returns anyway', async () => {
  sim.setBehaviour({ sequence: ['timeout', 'ok'], holdMs: 400 }, '1508');
  const prefix = `{ipbro-router-${randomUUID().slice(0, 8)}}`;
  const r1 = startRouter(directory, { prefix });
  const { key } = await accept(r1);
  for (let i = 0; i < 100 && sim.received.size === 0; i++) await pause(10);
  const started = Date.now();
  await r1.close();
  expect(Date.now() - started).toBeGreaterThanOrEqual(250); // it waited for the held request
  expect(await r1.ledger.get(key)).toMatchObject({ state: 'retrying', attempts: 1 });

  sim.reset();
  sim.setBehaviour({ sequence: ['timeout'], holdMs: 5000 }, '1508');
  const r2 = startRouter(directory, { prefix, closeTimeoutMs: 200 });
  for (let i = 0; i < 200 && sim.received.size === 0; i++) await pause(10);
  expect(sim.received.size).toBe(1);
  const t = Date.now();
  await r2.close();
  expect(Date.now() - t).toBeLessThan(2000);
  sim.reset();
});

describe('acknowledged writes (REDIS_MIN_REPLICAS_ACK)', () => {
  /** The job of `key` once it has come to `state` in BullMQ. */
  async function jobIn(via: MeldepliktRouter, key: string, state: 'failed' | 'completed', ms = 10000) {
    const end = Date.now() + ms;
    for (;;) {
      const job = (await via.queue.getJobs([state])).find((j) => j.data.key === key);
      if (job) return job;
      if (Date.now() > end) throw new Error(`the job of ${key} did not come to ${state}`);
      await pause(20);
    }
  }

  test(
    'a Redis without the replica asked for (WAIT times out): acknowledged in the ledger, but the ' +
      'job is never completed, it is retried',
    async () => {
      const producer = connection();
      const prefix = `{ipbro-router-${randomUUID().slice(0, 8)}}`;
      const confirmReplicated = replicaAck(producer, { minReplicas: 1, timeoutMs: 50, keyPrefix: prefix });
      const acking = startRouter(directory, { producer, prefix, confirmReplicated });
      const { key, id } = await accept(acking);
      const job = await jobIn(acking, key, 'failed');
      expect(job.failedReason).toBe('the writes reached 0 of 1 replica within 50 ms');
      expect(job.attemptsMade).toBe(6);
      expect(await acking.queue.getJobCountByTypes('completed')).toBe(0);
      // The re-runs found the state final and did not send again; the record is unchanged by them.
      const r = await acking.ledger.get(key);
      expect(r?.history.map((h) => h.state)).toEqual(['queued', 'acknowledged']);
      expect(r?.attempts).toBe(1);
      expect([...sim.received.values()].filter((m) => m.id === id)).toEqual([expect.objectContaining({ count: 1 })]);
    }
  );

  test('delivered (202, receipt to follow) without the replica: the job fails for good, but the message is not marked dead', async () => {
    sim.setBehaviour({ sequence: ['later'], laterMs: 50 }, '1508');
    const producer = connection();
    const prefix = `{ipbro-router-${randomUUID().slice(0, 8)}}`;
    const confirmReplicated = replicaAck(producer, { minReplicas: 1, timeoutMs: 20, keyPrefix: prefix });
    const acking = startRouter(directory, {
      producer,
      prefix,
      confirmReplicated,
      delivery: { firstDelayMs: 20, ceilingMs: 50, attempts: 3, timeoutMs: 2000 },
    });
    const { key, id } = await accept(acking);
    const job = await jobIn(acking, key, 'failed');
    expect(job.attemptsMade).toBe(3);
    await pause(200); // time enough for a wrongful move to dead
    expect(await acking.ledger.get(key)).toMatchObject({ state: 'delivered', attempts: 1 });
    expect([...sim.received.values()].filter((m) => m.id === id)).toEqual([expect.objectContaining({ count: 1 })]);
  });

  test('a replica wait that fails once: the job runs again and completes once the wait is confirmed, with one delivery', async () => {
    const calls: number[] = [];
    const confirmReplicated = async () => {
      calls.push(Date.now());
      if (calls.length === 1) throw new ReplicaAckError(0, 1, 50);
    };
    const acking = startRouter(directory, { confirmReplicated });
    const { key, id } = await accept(acking);
    const job = await jobIn(acking, key, 'completed');
    expect(job.attemptsMade).toBe(2); // the failed run and the one that completed
    expect(calls).toHaveLength(2);
    expect(await acking.ledger.get(key)).toMatchObject({ state: 'acknowledged', attempts: 1 });
    expect([...sim.received.values()].filter((m) => m.id === id)).toEqual([expect.objectContaining({ count: 1 })]);
  });
});
