import { Directory } from '@ipbro/directory';
import { createKommuneSimulator } from '@ipbro/kommune-simulator';
import { ledgerKey, type MessageRecord } from '@ipbro/message-ledger';
import { createQueue, QUEUES } from '@ipbro/queues';
import { createLogger } from '@ipbro/service-kit';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startMeldepliktRouter, type MeldepliktRouter } from './router';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROOT = join(__dirname, '..', '..', '..');
const MELDEPLIKT = readFileSync(join(ROOT, 'test', 'fixtures', 'contract', 'meldeplikt.json'), 'utf8');
const DEMO_DIRECTORY = JSON.parse(readFileSync(join(ROOT, 'packages', 'directory', 'demo-directory.json'), 'utf8'));
const quiet = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });

let redis: Redis;
let workerRedis: Redis;
let simServer: Server;
let sim: ReturnType<typeof createKommuneSimulator>;
let directoryFile: string;
let directory: Directory;
let router: MeldepliktRouter;
const prefix = `{ipbro-router-${randomUUID().slice(0, 8)}}`;

function writeDirectory(withMolde: boolean, port: number): void {
  const d = JSON.parse(JSON.stringify(DEMO_DIRECTORY));
  for (const k of d.kommuner) k.koordinerendeEnhet.endpoint = k.koordinerendeEnhet.endpoint.replace(':4101', `:${port}`);
  if (!withMolde) d.kommuner = d.kommuner.filter((k: { kommunenummer: string }) => k.kommunenummer !== '1506');
  writeFileSync(directoryFile, JSON.stringify(d));
}

beforeAll(async () => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  workerRedis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  sim = createKommuneSimulator({ logger: quiet });
  await new Promise<void>((resolve) => {
    simServer = sim.app.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (simServer.address() as { port: number }).port;
  directoryFile = join(mkdtempSync(join(tmpdir(), 'ipbro-router-')), 'directory.json');
  writeDirectory(false, port);
  directory = Directory.fromFile(directoryFile, { pollMs: 100 });
  router = startMeldepliktRouter({
    producer: redis, workerConnection: workerRedis, directory, logger: quiet, prefix,
    delivery: { firstDelayMs: 50, ceilingMs: 200, attempts: 6, timeoutMs: 2000 }, sweepMs: 60000,
  });
});

afterAll(async () => {
  await router.close();
  directory.close();
  await new Promise<void>((r) => simServer.close(() => r()));
  const q = createQueue(QUEUES.meldeplikt, redis, { firstDelayMs: 1, ceilingMs: 1, attempts: 1 }, prefix);
  await q.obliterate({ force: true });
  await q.close();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  workerRedis.disconnect();
});

beforeEach(() => sim.reset());

/** Stands in for the gateway: a fresh copy of the example meldeplikt with its own id, into the ledger and the queue. */
async function accept(mutate?: (bundle: any) => void): Promise<string> {
  const bundle = JSON.parse(MELDEPLIKT);
  bundle.entry[0].resource.id = randomUUID();
  mutate?.(bundle);
  const id = bundle.entry[0].resource.id;
  const key = ledgerKey('997005562', id);
  await router.ledger.accept({
    sender: '997005562', id, event: 'meldeplikt', body: JSON.stringify(bundle),
    enqueue: async (jobId) => void (await router.queue.add('deliver', { key, messageId: id, sender: '997005562', event: 'meldeplikt' }, { jobId })),
  });
  return key;
}

async function until(key: string, states: string[], ms = 10000): Promise<MessageRecord> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await router.ledger.get(key);
    if (r && states.includes(r.state)) return r;
    if (Date.now() > end) throw new Error(`${key} is ${r?.state}, expected ${states.join('|')}`);
    await new Promise((res) => setTimeout(res, 25));
  }
}

test('the example meldeplikt reaches Ålesund exactly once and ends acknowledged, with history', async () => {
  const key = await accept();
  const r = await until(key, ['acknowledged']);
  expect(r.history.map((h) => h.state)).toEqual(['queued', 'acknowledged']);
  expect(r).toMatchObject({ attempts: 1, recipient: { kommunenummer: '1508', name: 'Ålesund kommune', herId: '8110021' }, receipt: { code: 'ok' } });
  const got = [...sim.received.values()];
  expect(got).toEqual([expect.objectContaining({ id: r.id, kommune: '1508', event: 'meldeplikt', count: 1 })]);
});

test('503 three times, then OK: acknowledged after retries', async () => {
  sim.setBehaviour({ sequence: ['503', '503', '503', 'ok'] }, '1508');
  const key = await accept();
  const r = await until(key, ['acknowledged']);
  expect(r.attempts).toBe(4);
  expect(r.history.map((h) => h.state)).toEqual(['queued', 'retrying', 'retrying', 'retrying', 'acknowledged']);
  expect(r.history[1].detail).toContain('HTTP 503');
});

test('400: rejected after one attempt, never retried', async () => {
  sim.setBehaviour({ sequence: ['400', 'ok'] }, '1508');
  const key = await accept();
  const r = await until(key, ['rejected']);
  await new Promise((res) => setTimeout(res, 400)); // time enough for a wrongful retry
  const after = await router.ledger.get(key);
  expect(after).toMatchObject({ state: 'rejected', attempts: 1 });
  expect(r.history.at(-1)?.detail).toContain('HTTP 400');
});

test('a receiver that keeps failing: dead once the attempts are spent', async () => {
  sim.setBehaviour({ sequence: ['503'] }, '1508');
  const key = await accept();
  const r = await until(key, ['dead']);
  expect(r.attempts).toBe(6);
  expect(r.history.at(-1)?.detail).toContain('attempts exhausted');
});

test('202: delivered, waiting for the receipt', async () => {
  sim.setBehaviour({ sequence: ['202'] }, '1508');
  const key = await accept();
  expect((await until(key, ['delivered'])).history.at(-1)?.detail).toContain('receipt to follow');
});

test('unknown kommune: unroutable, then delivered by itself once the directory file gains it', async () => {
  const key = await accept((b) => {
    b.entry[2].resource.address[0]._district.extension[0].valueCoding.code = '1506';
  });
  const parked = await until(key, ['unroutable']);
  expect(parked.history.at(-1)?.detail).toContain('kommune 1506');
  writeDirectory(true, (simServer.address() as { port: number }).port);
  const r = await until(key, ['acknowledged']);
  expect(r.recipient?.kommunenummer).toBe('1506');
  expect(r.history.map((h) => h.state)).toEqual(['queued', 'unroutable', 'queued', 'acknowledged']);
});
