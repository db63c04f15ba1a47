import { createTokenIssuer, type TokenIssuer } from '@ipbro/simulated-peers';
import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, ROOT, startService, stopService, type Service } from './support/processes';

// The meldeplikt journey across real processes: hospital token → gateway → Redis/BullMQ → router →
// simulated koordinerende enhet of Ålesund → receipt back through the gateway.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `{ipbro-e2e-${randomUUID().slice(0, 8)}}`;
const MELDEPLIKT = readFileSync(join(ROOT, 'test', 'fixtures', 'contract', 'meldeplikt.json'), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'ipbro-e2e-'));
let issuer: TokenIssuer;
let issuerServer: Server;
let issuerUrl: string;
let gateway: Service;
let kommune: Service;
let router: Service | undefined;
let redis: Redis;
let directoryFile: string;
let hospitalToken: string;

async function startRouter(): Promise<Service> {
  return startService('meldeplikt-router', {
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    DIRECTORY_FILE: directoryFile,
    DELIVERY_BACKOFF_MS: 100,
    DELIVERY_BACKOFF_MAX_MS: 500,
    DELIVERY_TIMEOUT_MS: 8000,
    ROUTER_LOCK_MS: 2000,
  });
}

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  const issuerPort = await freePort();
  issuerUrl = `http://127.0.0.1:${issuerPort}`;
  const orgs = ['997005562', '942953119', '944305823'];
  issuer = await createTokenIssuer({
    issuer: issuerUrl,
    audience: 'ipbro',
    clients: orgs.map((o) => ({
      clientId: `kommune-${o}`,
      orgnr: o,
      scopes: ['ipbro:message.write', 'ipbro:message.read'],
    })),
  });
  await new Promise<void>((resolve) => {
    issuerServer = issuer.app.listen(issuerPort, '127.0.0.1', () => resolve());
  });
  const jwksFile = join(work, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify(issuer.jwks));
  hospitalToken = await issuer.mint({
    orgnr: '997005562',
    scope: 'ipbro:message.write ipbro:message.read',
    clientId: 'hmr-dips',
    expiresInSeconds: 3600,
  });
  gateway = await startService('gateway', {
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    AUTH_ISSUER: issuerUrl,
    AUTH_AUDIENCE: 'ipbro',
    AUTH_JWKS_FILE: jwksFile,
  });
  kommune = await startService('kommune-simulator', {
    SIM_BEHAVIOUR: 'later',
    SIM_LATER_MS: 300,
    SIM_GATEWAY_URL: gateway.url,
    SIM_TOKEN_URL: `${issuerUrl}/token`,
  });
  const directory = JSON.parse(readFileSync(join(ROOT, 'packages', 'directory', 'demo-directory.json'), 'utf8'));
  for (const k of directory.kommuner)
    k.koordinerendeEnhet.endpoint = k.koordinerendeEnhet.endpoint.replace(':4101', `:${kommune.port}`);
  directoryFile = join(work, 'directory.json');
  writeFileSync(directoryFile, JSON.stringify(directory));
  router = await startRouter();
}, 60000);

afterAll(async () => {
  await stopService(router);
  await stopService(kommune);
  await stopService(gateway);
  await new Promise<void>((r) => issuerServer.close(() => r()));
  await removeTestData(redis, prefix);
});

const send = (body: string) =>
  fetch(`${gateway.url}/fhir/$process-message`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json', Authorization: `Bearer ${hospitalToken}` },
    body,
  });
const status = async (id: string) =>
  (
    await fetch(`${gateway.url}/messages/${id}`, { headers: { Authorization: `Bearer ${hospitalToken}` } })
  ).json() as Promise<{
    state: string;
    history: { state: string }[];
    attempts: number;
    recipient: { kommunenummer?: string };
  }>;
const received = async () =>
  (await fetch(`${kommune.url}/_sim/received`)).json() as Promise<{ id: string; count: number }[]>;
const withFreshId = () => {
  const b = JSON.parse(MELDEPLIKT);
  b.entry[0].resource.id = randomUUID();
  return b;
};

test('the example meldeplikt reaches Ålesund exactly once and ends acknowledged, with history; posted twice, delivered once', async () => {
  const first = await send(MELDEPLIKT);
  expect(first.status).toBe(202);
  const second = await send(MELDEPLIKT);
  expect(second.status).toBe(200);
  const done = await eventually(
    async () => {
      const s = await status('6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01');
      return s.state === 'acknowledged' ? s : undefined;
    },
    15000,
    'acknowledged'
  );
  expect(done.history.map((h) => h.state)).toEqual(['queued', 'delivered', 'acknowledged']);
  expect(done.recipient.kommunenummer).toBe('1508');
  expect((await received()).filter((r) => r.id === '6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01')).toEqual([
    expect.objectContaining({ count: 1 }),
  ]);
}, 30000);

test('a router SIGKILLed in the middle of a delivery: another picks the job up and the message is still delivered', async () => {
  await fetch(`${kommune.url}/_sim/behaviour`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ kommune: '1508', sequence: ['timeout', 'later'], holdMs: 20000, laterMs: 200 }),
  });
  const bundle = withFreshId();
  const id = bundle.entry[0].resource.id;
  expect((await send(JSON.stringify(bundle))).status).toBe(202);
  // The kommune now holds the router's request open: kill the router in the middle of it.
  await eventually(
    async () =>
      ((await (await fetch(`${kommune.url}/_sim/held`)).json()) as { id: string }[]).some((h) => h.id === id) ||
      undefined,
    10000,
    'the delivery in flight'
  );
  await stopService(router, 'SIGKILL');
  router = await startRouter();
  const done = await eventually(
    async () => {
      const s = await status(id);
      return s.state === 'acknowledged' ? s : undefined;
    },
    30000,
    'acknowledged after the kill'
  );
  expect(done.history.at(-1)?.state).toBe('acknowledged');
  // The recipient saw the id at most twice, and can drop the duplicate by that id.
  const got = (await received()).filter((r) => r.id === id);
  expect(got.length).toBe(1);
  expect(got[0].count).toBeLessThanOrEqual(2);
}, 60000);

test('SIGTERM: the router lets its in-flight delivery finish (or returns it to the queue) and exits cleanly; nothing is lost', async () => {
  await fetch(`${kommune.url}/_sim/behaviour`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ kommune: '1508', sequence: ['timeout', 'ok'], holdMs: 1500 }),
  });
  const bundle = withFreshId();
  const id = bundle.entry[0].resource.id;
  expect((await send(JSON.stringify(bundle))).status).toBe(202);
  await eventually(
    async () =>
      ((await (await fetch(`${kommune.url}/_sim/held`)).json()) as { id: string }[]).some((h) => h.id === id) ||
      undefined,
    10000,
    'the delivery in flight'
  );
  const exited = new Promise<number | null>((resolve) => router?.child.once('exit', (code) => resolve(code)));
  router?.child.kill('SIGTERM');
  expect(await exited).toBe(0); // waited for the held request (504 → retry scheduled), then left
  const afterStop = await status(id);
  expect(afterStop.state).toBe('retrying'); // the attempt was finished and booked, not abandoned
  router = await startRouter();
  const done = await eventually(
    async () => {
      const s = await status(id);
      return s.state === 'acknowledged' ? s : undefined;
    },
    20000,
    'acknowledged after the restart'
  );
  expect(done.history.map((h) => h.state)).toEqual(['queued', 'retrying', 'acknowledged']);
}, 60000);
