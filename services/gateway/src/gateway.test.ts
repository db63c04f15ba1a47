import { ledgerKey, MessageLedger } from '@ipbro/message-ledger';
import { createQueue, QUEUES } from '@ipbro/queues';
import { createAuthenticator, createLogger, ORGNR_CLAIM } from '@ipbro/service-kit';
import { Redis } from 'ioredis';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createGatewayApp } from './app';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'contract');
const fixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));
const quiet = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const prefix = `{ipbro-gw-${randomUUID().slice(0, 8)}}`;
const delivery = { firstDelayMs: 1000, ceilingMs: 60000, attempts: 5 };

let redis: Redis;
let server: Server;
let base: string;
let key: KeyLike;
let ledger: MessageLedger;
let queues: Record<string, ReturnType<typeof createQueue>>;

async function token(orgnr: string, scope = 'ipbro:message.write ipbro:message.read', extra: { exp?: number } = {}): Promise<string> {
  return new SignJWT({ scope, client_id: `client-${orgnr}`, [ORGNR_CLAIM]: orgnr })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' }).setIssuer('https://helseid.test').setAudience('ipbro')
    .setIssuedAt().setExpirationTime(extra.exp ?? '5m').sign(key);
}

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  key = pair.privateKey;
  const jwksFile = join(mkdtempSync(join(tmpdir(), 'ipbro-gw-')), 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' }] }));
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  ledger = new MessageLedger(redis, { prefix });
  queues = { [QUEUES.meldeplikt]: createQueue(QUEUES.meldeplikt, redis, delivery, prefix), [QUEUES.documents]: createQueue(QUEUES.documents, redis, delivery, prefix) };
  const app = createGatewayApp({
    logger: quiet, ledger, queues: queues as never, bodyLimit: 512 * 1024, now: () => new Date('2026-11-24T12:00:00+01:00'),
    auth: createAuthenticator({ mode: 'jwt', issuer: 'https://helseid.test', audience: 'ipbro', jwksFile }),
  });
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  for (const q of Object.values(queues)) {
    await q.obliterate({ force: true });
    await q.close();
  }
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

const post = async (body: unknown, bearer?: string, type = 'application/fhir+json') =>
  fetch(`${base}/fhir/$process-message`, { method: 'POST', headers: { 'Content-Type': type, ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const jobs = async () => (await queues[QUEUES.meldeplikt].getJobCountByTypes('waiting', 'delayed', 'active', 'completed', 'failed')) + (await queues[QUEUES.documents].getJobCountByTypes('waiting', 'delayed', 'active', 'completed', 'failed'));
const ledgerKeys = async () => (await redis.keys(`${prefix}:msg:*`)).length;

test('the example meldeplikt: 202 + Location, queued; the same again: 200 with its status, one job', async () => {
  const hmr = await token('997005562');
  const res = await post(fixture('meldeplikt'), hmr);
  expect(res.status).toBe(202);
  expect(res.headers.get('location')).toBe('/messages/6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01');
  expect(((await res.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
  const again = await post(fixture('meldeplikt'), hmr);
  expect(again.status).toBe(200);
  expect(await again.json()).toMatchObject({ id: '6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01', event: 'meldeplikt', state: 'queued' });
  expect(await queues[QUEUES.meldeplikt].getJobCountByTypes('waiting')).toBe(1);
  const status = await fetch(`${base}/messages/6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01`, { headers: { Authorization: `Bearer ${hmr}` } });
  expect(status.status).toBe(200);
  expect(await status.json()).toMatchObject({ state: 'queued', attempts: 0, history: [{ state: 'queued' }] });
  // Another organisation learns nothing about it.
  const other = await fetch(`${base}/messages/6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01`, { headers: { Authorization: `Bearer ${await token('993467049')}` } });
  expect(other.status).toBe(404);
});

test('a receipt from the recipient moves the message to acknowledged; from anyone else it is refused', async () => {
  const k = ledgerKey('997005562', '6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01');
  await ledger.transition(k, 'delivered', 'HTTP 202', { attempts: 1, recipient: { kommunenummer: '1508', orgnr: '942953119', herId: '8110021' } });
  const stranger = await post(fixture('receipt-ok'), await token('997005562'));
  expect(stranger.status).toBe(403); // token org is not the receipt's sender
  const res = await post(fixture('receipt-ok'), await token('942953119'));
  expect(res.status).toBe(200);
  const r = await ledger.get(k);
  expect(r).toMatchObject({ state: 'acknowledged', receipt: { code: 'ok' } });
  expect(r?.history.map((h) => h.state)).toEqual(['queued', 'delivered', 'acknowledged']);
});

test('the other events are validated and queued for the courier', async () => {
  const res = await post(fixture('epikrise'), await token('997005562'));
  expect(res.status).toBe(202);
  expect(await queues[QUEUES.documents].getJobCountByTypes('waiting')).toBe(1);
  const plan = await post(fixture('ip-plan-copy'), await token('942953119'));
  expect(plan.status).toBe(202);
});

describe('invalid inputs get the contract\'s answer and leave the queues as they were', () => {
  const broken = (f: (b: any) => void) => {
    const b = fixture('meldeplikt');
    b.entry[0].resource.id = randomUUID();
    f(b);
    return b;
  };
  const cases: [string, () => Promise<Response>, number, string][] = [
    ['bad JSON', async () => post('{"resourceType":', await token('997005562')), 400, 'not valid JSON'],
    ['not a message', async () => post({ resourceType: 'Patient' }, await token('997005562')), 400, 'Bundle'],
    ['wrong content type', async () => post(fixture('meldeplikt'), await token('997005562'), 'text/plain'), 415, 'Content-Type'],
    ['bad check digit', async () => post(broken((b) => (b.entry[2].resource.identifier[0].value = '12830551211')), await token('997005562')), 422, 'check digit 2'],
    ['no home kommune', async () => post(broken((b) => delete b.entry[2].resource.address[0]._district), await token('997005562')), 422, 'no home kommune'],
    ['unknown event', async () => post(broken((b) => (b.entry[0].resource.eventCoding.code = 'hastemelding')), await token('997005562')), 422, 'Unknown event'],
    ['missing consent', async () => post(broken((b) => (b.entry[1].resource.input = b.entry[1].resource.input.slice(0, 2))), await token('997005562')), 422, 'consent to notify'],
    ['oversized body', async () => post({ ...fixture('meldeplikt'), pad: 'x'.repeat(600 * 1024) }, await token('997005562')), 413, 'limit'],
    ['no token', async () => post(broken(() => undefined)), 401, 'bearer token'],
    ['expired token', async () => post(broken(() => undefined), await token('997005562', undefined, { exp: Math.floor(Date.now() / 1000) - 300 })), 401, 'expired'],
    ['token without the write scope', async () => post(broken(() => undefined), await token('997005562', 'ipbro:message.read')), 403, 'scope'],
    ['another organisation\'s token', async () => post(broken(() => undefined), await token('993467049')), 403, 'is not the MessageHeader.sender'],
  ];
  test.each(cases)('%s', async (_name, send, status, text) => {
    const before = { jobs: await jobs(), keys: await ledgerKeys() };
    const res = await send();
    expect(res.status).toBe(status);
    const outcome = (await res.json()) as { resourceType: string; issue: { diagnostics: string; expression?: string[] }[] };
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(outcome.issue)).toContain(text);
    if (status === 422) expect(outcome.issue.some((i) => (i.expression ?? []).length > 0)).toBe(true);
    expect({ jobs: await jobs(), keys: await ledgerKeys() }).toEqual(before);
  });
});
