import { planCopy } from '@ipbro/document-delivery/src/test-support/document-fixtures';
import { createFhirPeer, type FhirPeer } from '@ipbro/simulated-peers';
import { ledgerKey, MessageLedger } from '@ipbro/message-ledger';
import { untilState } from '@ipbro/message-ledger/src/test-support/until-state';
import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { exited, refusedStart, startServiceProcess } from '@ipbro/service-kit/src/test-support/process';
import { createQueue, deliveryJobData, QUEUES } from '@ipbro/queues';
import type { Bundle } from '@medplum/fhirtypes';
import { Queue } from 'bullmq';
import express from 'express';
import { Redis } from 'ioredis';
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The courier as its own process (node dist/main.js; the build runs before the tests): SIGKILL in
// the middle of a delivery, SIGTERM, and a refused start. The hospital's EHR is a real FHIR server
// behind a door that can hold a request open. The test writes the ledger and the queue itself.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROOT = join(__dirname, '..', '..', '..');
const MAIN = join(__dirname, '..', 'dist', 'main.js');
const prefix = `{ipbro-courier-proc-${randomUUID().slice(0, 8)}}`;
const KEY = randomBytes(32).toString('base64');

let redis: Redis;
let ledger: MessageLedger;
let peer: FhirPeer;
let server: Server;
let directoryFile: string;
const children: ChildProcess[] = [];
/** Requests to hold open, and for how long; the held message ids. */
const door = { hold: 0, holdMs: 0, held: [] as string[] };

async function startCourier(): Promise<ChildProcess> {
  const env = {
    REDIS_URL,
    DIRECTORY_FILE: directoryFile,
    QUEUE_PREFIX: prefix,
    IPBRO_ENCRYPTION_KEY: KEY,
    COURIER_LOCK_MS: '1500',
    COURIER_STALLED_INTERVAL_MS: '500',
    DELIVERY_BACKOFF_MS: '50',
    DELIVERY_BACKOFF_MAX_MS: '200',
    DELIVERY_ATTEMPTS: '6',
    DELIVERY_TIMEOUT_MS: '30000',
  };
  return (await startServiceProcess(MAIN, env, (child) => children.push(child))).child;
}

beforeAll(async () => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  ledger = new MessageLedger(redis, { prefix });
  peer = createFhirPeer();
  const app = express();
  app.use((req, _res, next) => {
    if (door.hold > 0) {
      door.hold--;
      door.held.push(String(req.headers['x-request-id']));
      setTimeout(next, door.holdMs).unref();
    } else next();
  });
  app.use(peer.app);
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const d = JSON.parse(readFileSync(join(ROOT, 'packages', 'directory', 'demo-directory.json'), 'utf8'));
  d.helseforetak[0].ehr = {
    fhirBase: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    delivery: 'fhir-rest',
    maxTransactionEntries: 8,
  };
  directoryFile = join(mkdtempSync(join(tmpdir(), 'ipbro-courier-proc-')), 'directory.json');
  writeFileSync(directoryFile, JSON.stringify(d));
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await removeTestData(redis, prefix, new Queue(QUEUES.documents, { connection: redis, prefix }));
});

beforeEach(() => {
  peer.reset();
  door.hold = 0;
  door.held.length = 0;
});

async function accept(bundle: Bundle): Promise<{ key: string; id: string }> {
  const id = (bundle.entry![0].resource as { id: string }).id;
  const sender = '942953119';
  const key = ledgerKey(sender, id);
  const queue = createQueue(QUEUES.documents, redis, { firstDelayMs: 50, ceilingMs: 200, attempts: 6 }, prefix);
  await ledger.accept({
    sender,
    id,
    event: 'ip-plan-copy',
    body: JSON.stringify(bundle),
    enqueue: async (jobId) => {
      await queue.add('ip-plan-copy', deliveryJobData({ key, messageId: id, sender, event: 'ip-plan-copy' }), {
        jobId,
      });
    },
  });
  await queue.close();
  return { key, id };
}
const until = (key: string, states: string[]) => untilState(ledger, key, states);
async function heldNow(id: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (door.held.includes(id)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the delivery never reached the EHR');
}
const carePlans = async () =>
  (
    ((await (await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/CarePlan`)).json()) as Bundle)
      .entry ?? []
  ).length;

test(
  'SIGKILL in the middle of a delivery: another courier takes the job over, the plan copy is ' +
    'acknowledged, and the EHR holds one plan',
  async () => {
    door.hold = 1;
    door.holdMs = 8000;
    const first = await startCourier();
    const { key, id } = await accept(planCopy({ freshId: true }));
    await heldNow(id);
    first.kill('SIGKILL');
    expect((await exited(first)).signal).toBe('SIGKILL');
    expect((await ledger.get(key))?.state).toBe('queued'); // the dead courier booked nothing
    const second = await startCourier();
    const r = await until(key, ['acknowledged', 'rejected', 'dead']);
    expect(r.state).toBe('acknowledged');
    expect(r.history.map((h) => h.state)).toEqual(['queued', 'acknowledged']);
    expect(await carePlans()).toBe(1);
    second.kill('SIGTERM');
    expect((await exited(second)).code).toBe(0);
  },
  60000
);

test('SIGTERM: the in-flight delivery finishes and is booked before the courier exits 0', async () => {
  door.hold = 1;
  door.holdMs = 1000;
  const courier = await startCourier();
  const { key, id } = await accept(planCopy({ freshId: true }));
  await heldNow(id);
  courier.kill('SIGTERM');
  expect((await exited(courier)).code).toBe(0);
  expect((await ledger.get(key))?.state).toBe('acknowledged');
  expect(await carePlans()).toBe(1);
}, 60000);

test('no IPBRO_ENCRYPTION_KEY: the courier refuses to start with a one-line reason', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, REDIS_URL, DIRECTORY_FILE: directoryFile };
  delete env.IPBRO_ENCRYPTION_KEY;
  const { code, stderr } = await refusedStart(MAIN, env);
  expect(code).toBe(1);
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).toMatch(/^document-courier: IPBRO_ENCRYPTION_KEY/);
});
