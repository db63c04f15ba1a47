import { createKommuneSimulator } from '@ipbro/simulated-peers';
import { BodyCipher, ledgerKey, MessageLedger } from '@ipbro/message-ledger';
import { createQueue, QUEUES } from '@ipbro/queues';
import { createLogger } from '@ipbro/service-kit';
import {
  exited,
  refusedStart,
  startServiceProcess,
  type ServiceProcess,
} from '@ipbro/service-kit/src/test-support/process';
import { untilState } from '@ipbro/message-ledger/src/test-support/until-state';
import { Redis } from 'ioredis';
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

// The router as its own process (node dist/main.js; the build runs before the tests): SIGKILL in
// the middle of a delivery, SIGTERM, and a refused start. The test writes the ledger and the queue
// itself, standing in for the gateway.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROOT = join(__dirname, '..', '..', '..');
const MAIN = join(__dirname, '..', 'dist', 'main.js');
const MELDEPLIKT = readFileSync(join(ROOT, 'test', 'fixtures', 'contract', 'meldeplikt.json'), 'utf8');
const SENDER = '997005562';
const prefix = `{ipbro-router-proc-${randomUUID().slice(0, 8)}}`;
const quiet = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });

let redis: Redis;
let ledger: MessageLedger;
const KEY = randomBytes(32).toString('base64');
let simServer: Server;
let sim: ReturnType<typeof createKommuneSimulator>;
let directoryFile: string;
const children: ChildProcess[] = [];

function startRouter(env: Record<string, string> = {}): Promise<ServiceProcess> {
  return startServiceProcess(
    MAIN,
    {
      REDIS_URL,
      DIRECTORY_FILE: directoryFile,
      QUEUE_PREFIX: prefix,
      IPBRO_ENCRYPTION_KEY: KEY,
      ROUTER_LOCK_MS: '1500',
      ROUTER_STALLED_INTERVAL_MS: '500',
      DELIVERY_BACKOFF_MS: '50',
      DELIVERY_BACKOFF_MAX_MS: '200',
      DELIVERY_ATTEMPTS: '6',
      DELIVERY_TIMEOUT_MS: '30000',
      LOG_LEVEL: 'info',
      ...env,
    },
    (child) => children.push(child)
  );
}
beforeAll(async () => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  // Encrypted as the gateway writes them: the router reads them with the same key.
  ledger = new MessageLedger(redis, { prefix, cipher: new BodyCipher(Buffer.from(KEY, 'base64')) });
  sim = createKommuneSimulator({ logger: quiet });
  simServer = await new Promise<Server>((resolve) => {
    const s = sim.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const directory = JSON.parse(readFileSync(join(ROOT, 'packages', 'directory', 'demo-directory.json'), 'utf8'));
  for (const k of directory.kommuner)
    k.koordinerendeEnhet.endpoint = k.koordinerendeEnhet.endpoint.replace(
      ':4101',
      `:${(simServer.address() as { port: number }).port}`
    );
  directoryFile = join(mkdtempSync(join(tmpdir(), 'ipbro-router-proc-')), 'directory.json');
  writeFileSync(directoryFile, JSON.stringify(directory));
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  sim.close();
  simServer.closeAllConnections();
  await new Promise((r) => simServer.close(r));
  const q = createQueue(QUEUES.meldeplikt, redis, { firstDelayMs: 1, ceilingMs: 1, attempts: 1 }, prefix);
  await q.obliterate({ force: true });
  await q.close();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

beforeEach(() => sim.reset());

async function accept(): Promise<{ key: string; id: string }> {
  const bundle = JSON.parse(MELDEPLIKT);
  const id: string = randomUUID();
  bundle.entry[0].resource.id = id;
  const key = ledgerKey(SENDER, id);
  const queue = createQueue(QUEUES.meldeplikt, redis, { firstDelayMs: 50, ceilingMs: 200, attempts: 6 }, prefix);
  await ledger.accept({
    sender: SENDER,
    id,
    event: 'meldeplikt',
    body: JSON.stringify(bundle),
    enqueue: async (jobId) => {
      await queue.add('deliver', { key, messageId: id, sender: SENDER, event: 'meldeplikt' }, { jobId });
    },
  });
  await queue.close();
  return { key, id };
}
const until = (key: string, states: string[]) => untilState(ledger, key, states);
async function heldNow(id: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (sim.received.get(`1508:${id}`)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the delivery never reached the kommune');
}

test(
  'SIGKILL in the middle of a delivery: another router takes the job over and the message is ' +
    'acknowledged; the kommune drops the duplicate by id',
  async () => {
    sim.setBehaviour({ sequence: ['timeout', '400'], holdMs: 30000 }, '1508');
    const first = await startRouter();
    const { key, id } = await accept();
    await heldNow(id); // the kommune holds the router's request open
    first.child.kill('SIGKILL');
    expect((await exited(first.child)).signal).toBe('SIGKILL');
    expect((await ledger.get(key))?.state).toBe('queued'); // the dead router booked nothing
    const second = await startRouter();
    const r = await until(key, ['acknowledged', 'rejected', 'dead']);
    expect(r.state).toBe('acknowledged'); // the duplicate got the first answer, not the 400 next in line
    expect(r.history.map((h) => h.state)).toEqual(['queued', 'acknowledged']);
    const seen = sim.received.get(`1508:${id}`);
    expect(seen?.count).toBe(2); // saw the id twice, and counted the second as a duplicate
    expect(await (await fetch(`${second.url}/metrics`)).text()).toMatch(
      /ipbro_deliveries_total\{[^}]*state="acknowledged"[^}]*\} 1\n/
    );
    second.child.kill('SIGTERM');
    expect((await exited(second.child)).code).toBe(0);
  },
  60000
);

test('SIGTERM: the in-flight delivery finishes and is booked before the router exits 0', async () => {
  sim.setBehaviour({ sequence: ['timeout', 'ok'], holdMs: 1000 }, '1508');
  const router = await startRouter();
  const { key, id } = await accept();
  await heldNow(id);
  router.child.kill('SIGTERM');
  expect((await exited(router.child)).code).toBe(0);
  expect(await ledger.get(key)).toMatchObject({ state: 'retrying', attempts: 1 }); // 504 after the hold: booked, not abandoned
  const next = await startRouter();
  expect((await until(key, ['acknowledged'])).history.map((h) => h.state)).toEqual([
    'queued',
    'retrying',
    'acknowledged',
  ]);
  next.child.kill('SIGTERM');
  await exited(next.child);
}, 60000);

test('a wrong setting: the router refuses to start with a one-line reason', async () => {
  const { code, stderr } = await refusedStart(MAIN, {
    ...process.env,
    REDIS_URL,
    DIRECTORY_FILE: '/nonexistent/directory.json',
    IPBRO_ENCRYPTION_KEY: KEY,
  });
  expect(code).toBe(1);
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).toMatch(/^meldeplikt-router: DIRECTORY_FILE/);
});

test('without IPBRO_ENCRYPTION_KEY the router refuses to start, saying so in one line (the bodies it reads are encrypted)', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, REDIS_URL, DIRECTORY_FILE: directoryFile };
  delete env.IPBRO_ENCRYPTION_KEY;
  const { code, stderr } = await refusedStart(MAIN, env);
  expect(code).toBe(1);
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).toMatch(/^meldeplikt-router: IPBRO_ENCRYPTION_KEY/);
});
