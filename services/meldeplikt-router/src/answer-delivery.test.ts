import { Directory } from '@ipbro/directory';
import { ledgerKey, type MessageRecord } from '@ipbro/message-ledger';
import { createQueue, deliveryJobData, QUEUES } from '@ipbro/queues';
import { createLogger } from '@ipbro/service-kit';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startMeldepliktRouter, type MeldepliktRouter } from './router';

// The router in-process against real Redis, delivering the kommune's meldeplikt-svar to a real HTTP
// server standing in for the hospital; the ledger and the job written as the gateway writes them.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROOT = join(__dirname, '..', '..', '..');
const SVAR = readFileSync(join(ROOT, 'test', 'fixtures', 'contract', 'meldeplikt-svar.json'), 'utf8');
const DEMO_DIRECTORY = JSON.parse(readFileSync(join(ROOT, 'packages', 'directory', 'demo-directory.json'), 'utf8'));
const ALESUND = '942953119';
const HMR = '997005562';
const quiet = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const prefix = `{ipbro-router-${randomUUID().slice(0, 8)}}`;

let redis: Redis;
let worker: Redis;
let hospital: Server;
let hospitalUrl: string;
const got: {
  url: string;
  requestId: string;
  body: { entry: { resource: { id: string; destination?: { endpoint: string }[] } }[] };
}[] = [];
let directoryFile: string;
let directory: Directory;
let router: MeldepliktRouter;

/** The demo directory, with HMR's koordinerende enhet at the stand-in hospital, or without HMR at all. */
function writeDirectory(withHmr: boolean): void {
  const d = JSON.parse(JSON.stringify(DEMO_DIRECTORY));
  d.helseforetak = d.helseforetak.filter((h: { orgnr: string }) => withHmr || h.orgnr !== HMR);
  for (const h of d.helseforetak) if (h.orgnr === HMR) h.koordinerendeEnhet.endpoint = `${hospitalUrl}/ke`;
  writeFileSync(directoryFile, JSON.stringify(d));
}

beforeAll(async () => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  worker = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  hospital = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      got.push({ url: String(req.url), requestId: String(req.headers['x-request-id']), body: JSON.parse(text) });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => hospital.listen(0, '127.0.0.1', () => r()));
  hospitalUrl = `http://127.0.0.1:${(hospital.address() as { port: number }).port}`;
  directoryFile = join(mkdtempSync(join(tmpdir(), 'ipbro-answer-')), 'directory.json');
  writeDirectory(false);
  directory = Directory.fromFile(directoryFile, { pollMs: 100 });
  router = startMeldepliktRouter({
    producer: redis,
    workerConnection: worker,
    directory,
    logger: quiet,
    prefix,
    sweepMs: 60000,
    delivery: { firstDelayMs: 50, ceilingMs: 200, attempts: 4, timeoutMs: 2000 },
  });
});

afterAll(async () => {
  await router.close();
  directory.close();
  await new Promise<void>((r) => hospital.close(() => r()));
  const q = createQueue(QUEUES.meldeplikt, redis, { firstDelayMs: 1, ceilingMs: 1, attempts: 1 }, prefix);
  await q.obliterate({ force: true });
  await q.close();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  worker.disconnect();
});

/** Stands in for the gateway: the contract's svar, its record naming the way back, and its job with the hint. */
async function acceptSvar(replyTo: { orgnr: string; endpoint?: string }): Promise<string> {
  const bundle = JSON.parse(SVAR);
  const id = randomUUID();
  bundle.entry[0].resource.id = id;
  const key = ledgerKey(ALESUND, id);
  await router.ledger.accept({
    sender: ALESUND,
    id,
    event: 'meldeplikt-svar',
    body: JSON.stringify(bundle),
    recipient: { kind: 'sender', ...replyTo },
    enqueue: async (jobId) => {
      await router.queue.add(
        'meldeplikt-svar',
        deliveryJobData({ key, messageId: id, sender: ALESUND, event: 'meldeplikt-svar', replyTo }),
        { jobId }
      );
    },
  });
  return key;
}

async function until(key: string, states: string[], ms = 10000): Promise<MessageRecord> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await router.ledger.get(key);
    if (r && states.includes(r.state)) return r;
    if (Date.now() > end) throw new Error(`${key} is ${r?.state}, expected ${states.join('|')}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

test("the svar goes to the endpoint the meldeplikt's sender named, not where it points itself; recipient of kind sender", async () => {
  const key = await acceptSvar({ orgnr: HMR, endpoint: `${hospitalUrl}/dips` });
  const r = await until(key, ['delivered']);
  expect(r.recipient).toEqual({
    kind: 'sender',
    orgnr: HMR,
    name: 'organisation 997005562',
    endpoint: `${hospitalUrl}/dips`,
  });
  expect(got.map((g) => [g.url, g.requestId, g.body.entry[0].resource.id])).toEqual([
    ['/dips/$process-message', r.id, r.id],
  ]);
  // The kommune's own MessageHeader.destination is left as it wrote it (the contract fills it only when absent).
  expect(got[0].body.entry[0].resource.destination?.[0].endpoint).toBe('http://hmr.example.test/fhir');
});

test('without an endpoint of its own and HMR not in the directory: unroutable, then re-driven when the directory learns HMR', async () => {
  got.length = 0;
  const key = await acceptSvar({ orgnr: HMR });
  const parked = await until(key, ['unroutable']);
  expect(parked.history.at(-1)?.detail).toMatch(/^no way back to organisation 997005562/);
  writeDirectory(true);
  // The sweep routes it by the recipient the gateway recorded: the job of the re-drive has no hints.
  const r = await until(key, ['delivered'], 15000);
  expect(r.recipient).toMatchObject({
    kind: 'sender',
    orgnr: HMR,
    name: 'Helse Møre og Romsdal HF',
    endpoint: `${hospitalUrl}/ke`,
    herId: '8094512',
  });
  expect(got.map((g) => g.url)).toEqual(['/ke/$process-message']);
}, 20000);
