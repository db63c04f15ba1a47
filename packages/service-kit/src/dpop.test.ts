import { removeKeys } from './test-support/redis-keys';
import express from 'express';
import { Redis } from 'ioredis';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { authOf, createAuthenticator, ORGNR_CLAIM, type AuthStores } from './auth';
import { memoryReplayStore, redisReplayStore, signDpopProof } from './dpop';
import { errorHandler } from './error-handler';
import { createLogger } from './logger';
import { listen } from './test-support/http';

const quiet = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
let redis: Redis;
let issuerKey: KeyLike;
let jwksFile: string;
let client: { privateKey: KeyLike; publicJwk: JWK; jkt: string };
const servers: { url: string; close: () => Promise<void> }[] = [];

async function gateway(stores: AuthStores) {
  const auth = createAuthenticator(
    { mode: 'jwt', issuer: 'https://helseid.test', audience: 'ipbro', jwksFile },
    quiet,
    stores
  );
  const app = express();
  app.post(
    '/fhir/$process-message',
    auth.requireScope('ipbro:message.write'),
    (_req, res) => void res.json(authOf(res))
  );
  app.use(errorHandler(quiet));
  const s = await listen(app);
  servers.push(s);
  return s.url;
}

beforeAll(async () => {
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const pair = await generateKeyPair('RS256');
  issuerKey = pair.privateKey;
  jwksFile = join(mkdtempSync(join(tmpdir(), 'ipbro-dpop-')), 'jwks.json');
  writeFileSync(
    jwksFile,
    JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' }] })
  );
  const c = await generateKeyPair('ES256');
  const publicJwk = await exportJWK(c.publicKey);
  client = { privateKey: c.privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk) };
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await removeKeys(redis, prefix);
});

const boundToken = (jkt = client.jkt) =>
  new SignJWT({ scope: 'ipbro:message.write', client_id: 'hmr-dips', [ORGNR_CLAIM]: '997005562', cnf: { jkt } })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' })
    .setIssuer('https://helseid.test')
    .setAudience('ipbro')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(issuerKey);
const proofFor = (url: string, token: string, over: Partial<Parameters<typeof signDpopProof>[0]> = {}) =>
  signDpopProof({
    privateKey: client.privateKey,
    publicJwk: client.publicJwk,
    alg: 'ES256',
    htm: 'POST',
    htu: `${url}/fhir/$process-message`,
    accessToken: token,
    ...over,
  });
const post = (url: string, headers: Record<string, string>) =>
  fetch(`${url}/fhir/$process-message`, { method: 'POST', headers });

test('a DPoP-bound token with a valid proof is accepted, and the context names the key', async () => {
  const url = await gateway({ replay: memoryReplayStore() });
  const token = await boundToken();
  const res = await post(url, { Authorization: `DPoP ${token}`, DPoP: await proofFor(url, token) });
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ clientId: 'hmr-dips', orgnr: '997005562', dpopJkt: client.jkt });
  // A fresh proof for the same (cached) token is checked again and accepted.
  expect((await post(url, { Authorization: `DPoP ${token}`, DPoP: await proofFor(url, token) })).status).toBe(200);
});

test.each([
  ['no proof', async () => undefined],
  ['a proof for another method', async (url: string, t: string) => proofFor(url, t, { htm: 'GET' })],
  ['a proof for another URL', async (url: string, t: string) => proofFor(url, t, { htu: `${url}/messages/x` })],
  ['a proof for another host', async (_url: string, t: string) => proofFor('http://evil.test', t)],
  ['a proof for another token (ath)', async (url: string, t: string) => proofFor(url, t, { accessToken: `${t}x` })],
  ['a proof without ath', async (url: string, t: string) => proofFor(url, t, { accessToken: undefined })],
  [
    'a proof 10 minutes old',
    async (url: string, t: string) => proofFor(url, t, { iat: Math.floor(Date.now() / 1000) - 600 }),
  ],
  [
    'a proof from the future',
    async (url: string, t: string) => proofFor(url, t, { iat: Math.floor(Date.now() / 1000) + 600 }),
  ],
  [
    'a proof signed by another key than cnf.jkt',
    async (url: string, t: string) => {
      const other = await generateKeyPair('ES256');
      return signDpopProof({
        privateKey: other.privateKey,
        publicJwk: await exportJWK(other.publicKey),
        alg: 'ES256',
        htm: 'POST',
        htu: `${url}/fhir/$process-message`,
        accessToken: t,
      });
    },
  ],
  [
    'a proof whose header key does not verify it',
    async (url: string, t: string) => {
      const other = await generateKeyPair('ES256');
      return signDpopProof({
        privateKey: other.privateKey,
        publicJwk: client.publicJwk,
        alg: 'ES256',
        htm: 'POST',
        htu: `${url}/fhir/$process-message`,
        accessToken: t,
      });
    },
  ],
  [
    'a proof of typ JWT',
    async (url: string, _t: string) => {
      const { kty, crv, x, y } = client.publicJwk;
      return new SignJWT({
        htm: 'POST',
        htu: `${url}/fhir/$process-message`,
        jti: randomUUID(),
        iat: Math.floor(Date.now() / 1000),
      })
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT', jwk: { kty, crv, x, y } })
        .sign(client.privateKey);
    },
  ],
  ['two proofs', async (url: string, t: string) => `${await proofFor(url, t)}, ${await proofFor(url, t)}`],
])('%s → 401', async (_name, make) => {
  const url = await gateway({ replay: memoryReplayStore() });
  const token = await boundToken();
  const proof = await make(url, token);
  const res = await post(url, { Authorization: `DPoP ${token}`, ...(proof ? { DPoP: proof } : {}) });
  expect(res.status).toBe(401);
  expect(((await res.json()) as { issue: { diagnostics: string }[] }).issue[0].diagnostics).toMatch(/DPoP/);
});

test('the DPoP scheme with a token that is not bound → 401', async () => {
  const url = await gateway({ replay: memoryReplayStore() });
  const token = await new SignJWT({ scope: 'ipbro:message.write', [ORGNR_CLAIM]: '997005562' })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' })
    .setIssuer('https://helseid.test')
    .setAudience('ipbro')
    .setExpirationTime('5m')
    .sign(issuerKey);
  expect((await post(url, { Authorization: `DPoP ${token}`, DPoP: await proofFor(url, token) })).status).toBe(401);
});

test('a replayed proof is refused, also by another replica sharing the Redis replay cache', async () => {
  const store = redisReplayStore(redis, prefix);
  const a = await gateway({ replay: store });
  const b = await gateway({ redis, prefix });
  const token = await boundToken();
  // Both replicas are addressed by the same public URL in real life; here the proof names replica a.
  const proof = await proofFor(a, token);
  expect((await post(a, { Authorization: `DPoP ${token}`, DPoP: proof })).status).toBe(200);
  const again = await post(a, { Authorization: `DPoP ${token}`, DPoP: proof });
  expect(again.status).toBe(401);
  expect(((await again.json()) as { issue: { diagnostics: string }[] }).issue[0].diagnostics).toMatch(/replayed/);
  // A proof id first used at replica b is refused at replica a: the cache is shared.
  const jti = randomUUID();
  expect((await post(b, { Authorization: `DPoP ${token}`, DPoP: await proofFor(b, token, { jti }) })).status).toBe(200);
  expect((await post(a, { Authorization: `DPoP ${token}`, DPoP: await proofFor(a, token, { jti }) })).status).toBe(401);
  // The replay marks expire by themselves.
  const keys = await redis.keys(`${prefix}:dpop-jti:*`);
  expect(keys.length).toBe(2);
  for (const k of keys) expect(await redis.ttl(k)).toBeGreaterThan(0);
});

test('memoryReplayStore stays bounded', async () => {
  const store = memoryReplayStore(10);
  for (let i = 0; i < 100; i++) expect(await store.firstSeen(`k${i}`, 60)).toBe(true);
  expect(await store.firstSeen('k99', 60)).toBe(false);
});
