import { removeKeys } from './test-support/redis-keys';
import express from 'express';
import { Redis } from 'ioredis';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { authOf, createAuthenticator, ORGNR_CLAIM, type AuthStores } from './auth';
import { errorHandler } from './error-handler';
import { createLogger } from './logger';
import { memoryRateLimiter, redisRateLimiter, type RedisScripting } from './rate-limit';
import { createServiceApp } from './service-app';
import { listen } from './test-support/http';
import { RawConnection } from './test-support/raw-http';

const quiet = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
let redis: Redis;
let key: KeyLike;
let jwksFile: string;
const servers: { url: string; close: () => Promise<void> }[] = [];

beforeAll(async () => {
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const pair = await generateKeyPair('RS256');
  key = pair.privateKey;
  jwksFile = join(mkdtempSync(join(tmpdir(), 'ipbro-rate-')), 'jwks.json');
  writeFileSync(
    jwksFile,
    JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' }] })
  );
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await removeKeys(redis, prefix);
});

const tokenOf = (clientId: string) =>
  new SignJWT({ scope: 'ipbro:message.read', client_id: clientId, [ORGNR_CLAIM]: '997005562' })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' })
    .setIssuer('i')
    .setAudience('a')
    .setExpirationTime('5m')
    .sign(key);

async function service(stores: AuthStores, requests: number) {
  const auth = createAuthenticator(
    { mode: 'jwt', issuer: 'i', audience: 'a', jwksFile, rateLimit: { requests, windowSeconds: 3600 } },
    quiet,
    stores
  );
  const app = express();
  app.get('/r', auth.requireScope('ipbro:message.read'), (_req, res) => void res.json(authOf(res)));
  app.use(errorHandler(quiet));
  const s = await listen(app);
  servers.push(s);
  return s.url;
}

const get = async (url: string, token: string) => fetch(`${url}/r`, { headers: { Authorization: `Bearer ${token}` } });

test.each([
  ['in memory', () => ({})],
  ['in Redis', () => ({ redis, prefix: `${prefix}-${randomUUID().slice(0, 4)}` })],
])('%s: a client past its budget gets 429 with Retry-After; another client is not affected', async (_name, stores) => {
  const url = await service(stores(), 3);
  const a = await tokenOf('client-a');
  const b = await tokenOf('client-b');
  for (let i = 0; i < 3; i++) expect((await get(url, a)).status).toBe(200);
  const refused = await get(url, a);
  expect(refused.status).toBe(429);
  const retryAfter = Number(refused.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(3601);
  expect((await refused.json()) as { resourceType: string; issue: { code: string }[] }).toMatchObject({
    resourceType: 'OperationOutcome',
    issue: [{ code: 'throttled' }],
  });
  expect((await get(url, b)).status).toBe(200);
});

test('replicas on one Redis share the budget', async () => {
  const stores = { redis, prefix: `${prefix}-shared` };
  const one = await service(stores, 4);
  const two = await service(stores, 4);
  const t = await tokenOf('client-c');
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await get(one, t)).status, (await get(two, t)).status);
  expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
});

test('requests 0 turns the limit off; unauthenticated requests are not counted', async () => {
  const url = await service({}, 0);
  const t = await tokenOf('client-d');
  for (let i = 0; i < 20; i++) expect((await get(url, t)).status).toBe(200);
  const limited = await service({}, 1);
  for (let i = 0; i < 3; i++) expect((await fetch(`${limited}/r`)).status).toBe(401);
  expect((await get(limited, t)).status).toBe(200);
});

/** The real `redis`, each call of a script the limiter defines through this counted (what reaches Redis). */
function countingScripts(onCall: () => void): RedisScripting {
  const scripts: Record<string, unknown> = {
    defineCommand(name: string, definition: { numberOfKeys: number; lua: string }) {
      redis.defineCommand(name, definition);
      const run = (redis as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[name];
      scripts[name] = (...args: unknown[]) => {
        onCall();
        return run.apply(redis, args);
      };
    },
  };
  return scripts as unknown as RedisScripting;
}

test('the limiters count per window and per client', async () => {
  const mem = memoryRateLimiter({ requests: 2, windowSeconds: 60 });
  const red = redisRateLimiter(redis, `${prefix}-unit`, { requests: 2, windowSeconds: 60 });
  for (const l of [mem, red]) {
    expect(await l.take('x')).toEqual({ ok: true });
    expect(await l.take('x')).toEqual({ ok: true });
    expect(await l.take('x')).toMatchObject({ ok: false });
    expect(await l.take('y')).toEqual({ ok: true });
  }
  const ttl = await redis.pttl((await redis.keys(`${prefix}-unit:rate:x:*`))[0]);
  expect(ttl).toBeGreaterThan(0);
});

test(
  'leased in blocks: one Redis call per block, replicas together never past the budget, concurrent ' +
    'takes wait for one lease',
  async () => {
    const calls: number[] = [];
    const counting = countingScripts(() => calls.push(Date.now()));
    const limit = { requests: 250, windowSeconds: 3600 };
    const one = redisRateLimiter(counting, `${prefix}-lease`, limit, 100);
    const two = redisRateLimiter(counting, `${prefix}-lease`, limit, 100);
    const firstBurst = await Promise.all(Array.from({ length: 50 }, () => one.take('z')));
    expect(firstBurst.every((d) => d.ok)).toBe(true);
    expect(calls).toHaveLength(1); // fifty concurrent takes, one lease
    let granted = 50;
    for (let i = 0; i < 400; i++) if ((await (i % 2 ? one : two).take('z')).ok) granted++;
    // 250 in all: one holds the rest of its first block, two leases 100, then the last 50 go to whoever asks.
    expect(granted).toBe(250);
    expect(calls.length).toBeLessThanOrEqual(6);
    expect(await one.take('z')).toMatchObject({ ok: false });
  }
);

test('the limiters count body bytes: a body past what is left is refused and not counted, a smaller one still fits', async () => {
  const limit = { requests: 100, windowSeconds: 60, bytes: 1000 };
  const mem = memoryRateLimiter(limit);
  const red = redisRateLimiter(redis, `${prefix}-bytes`, limit);
  for (const l of [mem, red]) {
    expect(await l.take('x', { bytes: 600 })).toEqual({ ok: true });
    expect(await l.take('x', { bytes: 600 })).toMatchObject({ ok: false, exhausted: 'bytes' });
    expect(await l.take('x', { bytes: 400 })).toEqual({ ok: true });
    expect(await l.take('x', { bytes: 1 })).toMatchObject({ ok: false, exhausted: 'bytes' });
    expect(await l.take('x')).toEqual({ ok: true }); // a request without a body still has requests left
    expect(await l.take('y', { bytes: 1000 })).toEqual({ ok: true });
  }
  const requestsOnly = memoryRateLimiter({ requests: 1, windowSeconds: 60 });
  expect(await requestsOnly.take('z', { bytes: 10 ** 9 })).toEqual({ ok: true });
  expect(await requestsOnly.take('z', { bytes: 0 })).toMatchObject({ ok: false, exhausted: 'requests' });
});

test('bytes are leased in blocks of 1 % of the budget; a body larger than a block leases what it needs in one call', async () => {
  let calls = 0;
  const counting = countingScripts(() => calls++);
  const l = redisRateLimiter(counting, `${prefix}-byte-lease`, { requests: 0, windowSeconds: 3600, bytes: 1_000_000 });
  expect(await l.take('w', { bytes: 250_000 })).toEqual({ ok: true });
  expect(calls).toBe(1);
  for (let i = 0; i < 10; i++) expect(await l.take('w', { bytes: 1000 })).toEqual({ ok: true });
  expect(calls).toBe(2); // one block of 10,000 for the ten small bodies
  expect(Number(await redis.get((await redis.keys(`${prefix}-byte-lease:rate-bytes:w:*`))[0]))).toBe(260_000);
});

describe('an authenticated client past its byte budget', () => {
  const KB = 1024;
  async function bodyService(bodyParsing: 'app' | 'route' = 'route') {
    const rateLimit = { requests: 100, windowSeconds: 3600, bytes: 1024 * KB };
    const stores = { redis, prefix: `${prefix}-${randomUUID().slice(0, 4)}` };
    const auth = createAuthenticator({ mode: 'jwt', issuer: 'i', audience: 'a', jwksFile, rateLimit }, quiet, stores);
    const kit = createServiceApp({ name: 'test', logger: quiet, bodyParsing, body: { limit: 2048 * KB } });
    const parsed: number[] = [];
    const body = bodyParsing === 'route' ? [kit.body] : [];
    kit.app.post('/b', auth.requireScope('ipbro:message.read'), ...body, (_req, res) => {
      parsed.push(res.locals.bodyBytes as number);
      res.json({ ok: true });
    });
    const s = await listen(kit.finish());
    servers.push(s);
    return { url: s.url, parsed };
  }
  const bodyOf = (size: number) => `{"pad":"${'x'.repeat(size - 10)}"}`;
  const headers = (token: string) => ({ 'Content-Type': 'application/fhir+json', Authorization: `Bearer ${token}` });

  test('gets 429 + Retry-After from the declared length, before the body is read; a smaller body still fits', async () => {
    const { url, parsed } = await bodyService();
    const t = await tokenOf('client-bytes');
    expect((await fetch(`${url}/b`, { method: 'POST', headers: headers(t), body: bodyOf(600 * KB) })).status).toBe(200);
    const conn = await RawConnection.open(url);
    conn.send('POST', '/b', { ...headers(t), 'Content-Length': 600 * KB }, bodyOf(600 * KB).slice(0, KB));
    const refused = await conn.next(); // the rest of the 600 kB is never sent
    expect({ status: refused.status, connection: refused.headers.connection }).toEqual({
      status: 429,
      connection: 'close',
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(3600);
    expect(JSON.parse(refused.body)).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ code: 'throttled' }],
    });
    expect(JSON.parse(refused.body).issue[0].diagnostics).toContain('has used its 1048576 body bytes per 3600 s');
    await conn.ended;
    expect((await fetch(`${url}/b`, { method: 'POST', headers: headers(t), body: bodyOf(300 * KB) })).status).toBe(200);
    expect(parsed).toEqual([600 * KB, 300 * KB]);
  });

  test('a chunked body is charged once read, before it is parsed', async () => {
    const { url, parsed } = await bodyService();
    const t = await tokenOf('client-chunked');
    const conn = await RawConnection.open(url);
    conn.send('POST', '/b', { ...headers(t), 'Transfer-Encoding': 'chunked' });
    for (const size of [700 * KB, 400 * KB]) conn.write(`${size.toString(16)}\r\n${bodyOf(size)}\r\n`);
    conn.write('0\r\n\r\n');
    const refused = await conn.next();
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body).issue[0].diagnostics).toContain('body bytes');
    conn.close();
    expect(parsed).toEqual([]); // read, charged, refused: never parsed
    expect((await fetch(`${url}/b`, { method: 'POST', headers: headers(t), body: bodyOf(900 * KB) })).status).toBe(200);
  });

  test('a body refused before it is read (over the body limit) costs its client nothing', async () => {
    const { url, parsed } = await bodyService();
    const t = await tokenOf('client-refused');
    for (let i = 0; i < 3; i++) {
      const conn = await RawConnection.open(url);
      conn.send('POST', '/b', { ...headers(t), 'Content-Length': 3000 * KB });
      expect((await conn.next()).status).toBe(413);
      conn.close();
    }
    expect((await fetch(`${url}/b`, { method: 'POST', headers: headers(t), body: bodyOf(1000 * KB) })).status).toBe(
      200
    );
    expect(parsed).toEqual([1000 * KB]);
  });

  test("with bodyParsing 'app' (read before the token check) the body is charged once the token is checked", async () => {
    const { url, parsed } = await bodyService('app');
    const t = await tokenOf('client-app');
    expect((await fetch(`${url}/b`, { method: 'POST', headers: headers(t), body: bodyOf(600 * KB) })).status).toBe(200);
    const refused = await fetch(`${url}/b`, { method: 'POST', headers: headers(t), body: bodyOf(600 * KB) });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { issue: { diagnostics: string }[] }).issue[0].diagnostics).toContain(
      'body bytes'
    );
    expect(parsed).toEqual([600 * KB]);
  });
});
