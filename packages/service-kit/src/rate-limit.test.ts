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
import { memoryRateLimiter, redisRateLimiter } from './rate-limit';
import { listen } from './test-support/http';

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
  writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' }] }));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await removeKeys(redis, prefix);
});

const tokenOf = (clientId: string) =>
  new SignJWT({ scope: 'ipbro:message.read', client_id: clientId, [ORGNR_CLAIM]: '997005562' }).setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' }).setIssuer('i').setAudience('a').setExpirationTime('5m').sign(key);

async function service(stores: AuthStores, requests: number) {
  const auth = createAuthenticator({ mode: 'jwt', issuer: 'i', audience: 'a', jwksFile, rateLimit: { requests, windowSeconds: 3600 } }, quiet, stores);
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
  expect(((await refused.json()) as { resourceType: string; issue: { code: string }[] })).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'throttled' }] });
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

test('leased in blocks: one Redis call per block, replicas together never past the budget, concurrent takes wait for one lease', async () => {
  const calls: number[] = [];
  const counting = { eval: (...a: Parameters<typeof redis.eval>) => { calls.push(Date.now()); return redis.eval(...a); } } as unknown as typeof redis;
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
});
