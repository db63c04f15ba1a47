import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { signDpopProof } from '@ipbro/service-kit';
import { createTokenIssuer, type TokenIssuer } from '@ipbro/simulated-peers';
import { Redis } from 'ioredis';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { freePort, ROOT, startService, stopService, type Service } from './support/processes';

// Inbound tokens against the gateway as its own process, its keys fetched from a real JWKS server
// (the demo's HelseID-like issuer on a free port). Each refusal is asserted on its own.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
const MELDEPLIKT = readFileSync(join(ROOT, 'test', 'fixtures', 'contract', 'meldeplikt.json'), 'utf8');
const HMR = '997005562';
const WRITE = 'ipbro:message.write ipbro:message.read';
let issuer: TokenIssuer;
let issuerServer: Server;
let issuerUrl: string;
let gateway: Service;
let limited: Service;
let redis: Redis;

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  const port = await freePort();
  issuerUrl = `http://127.0.0.1:${port}`;
  issuer = await createTokenIssuer({ issuer: issuerUrl, audience: 'ipbro', clients: [] });
  await new Promise<void>((resolve) => {
    issuerServer = issuer.app.listen(port, '127.0.0.1', () => resolve());
  });
  const env = {
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    AUTH_ISSUER: issuerUrl,
    AUTH_AUDIENCE: 'ipbro',
    AUTH_JWKS_URL: `${issuerUrl}/.well-known/jwks.json`,
  };
  [gateway, limited] = await Promise.all([
    startService('gateway', env),
    startService('gateway', { ...env, RATE_LIMIT_REQUESTS: 3, RATE_LIMIT_WINDOW_SECONDS: 3600 }),
  ]);
}, 60000);

afterAll(async () => {
  await Promise.all([stopService(gateway), stopService(limited)]);
  await new Promise<void>((r) => issuerServer.close(() => r()));
  await removeTestData(redis, prefix);
});

/** The example meldeplikt with a fresh message id. */
const message = () => {
  const b = JSON.parse(MELDEPLIKT);
  b.entry[0].resource.id = randomUUID();
  return JSON.stringify(b);
};
const post = (headers: Record<string, string>, body = message(), base = gateway.url) =>
  fetch(`${base}/fhir/$process-message`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json', ...headers },
    body,
  });
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const now = () => Math.floor(Date.now() / 1000);
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const claims = { aud: 'ipbro', scope: WRITE, [`helseid://claims/client/claims/orgnr_parent`]: HMR };

async function refused(res: Response, status: number, diagnostics: RegExp): Promise<void> {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { resourceType: string; issue: { diagnostics: string }[] };
  expect(body.resourceType).toBe('OperationOutcome');
  expect(body.issue[0].diagnostics).toMatch(diagnostics);
  if (status === 401) expect(res.headers.get('www-authenticate')).toBe('Bearer');
}

test('a valid token from the issuer is accepted (202)', async () => {
  expect((await post(bearer(await issuer.mint({ orgnr: HMR, scope: WRITE })))).status).toBe(202);
});

test('missing token → 401', async () => {
  await refused(await post({}), 401, /bearer token is required/);
});

test('expired → 401', async () => {
  await refused(
    await post(bearer(await issuer.mint({ orgnr: HMR, scope: WRITE, expiresInSeconds: -120 }))),
    401,
    /expired/
  );
});

test('not yet valid (nbf 10 minutes ahead) → 401', async () => {
  await refused(
    await post(bearer(await issuer.mint({ orgnr: HMR, scope: WRITE, extra: { nbf: now() + 600 } }))),
    401,
    /not yet valid/
  );
});

test('wrong issuer → 401', async () => {
  await refused(
    await post(bearer(await issuer.mint({ orgnr: HMR, scope: WRITE, issuer: 'https://helseid-sts.evil.test' }))),
    401,
    /iss/
  );
});

test('wrong audience → 401', async () => {
  await refused(
    await post(bearer(await issuer.mint({ orgnr: HMR, scope: WRITE, audience: 'another-api' }))),
    401,
    /aud/
  );
});

test('alg none → 401', async () => {
  const token = `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64({ ...claims, iss: issuerUrl, exp: now() + 300 })}.`;
  await refused(await post(bearer(token)), 401, /Invalid token/);
});

test("HS256 signed with the issuer's public key as the secret → 401", async () => {
  const jwk = issuer.jwks.keys[0];
  const head = b64({ alg: 'HS256', typ: 'at+jwt', kid: issuer.kid });
  const body = b64({ ...claims, iss: issuerUrl, exp: now() + 300 });
  // Every way a confused verifier might turn the public key into an HMAC secret.
  const secrets = [JSON.stringify(jwk), Buffer.from(jwk.n as string, 'base64url')];
  for (const secret of secrets) {
    const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
    await refused(await post(bearer(`${head}.${body}.${sig}`)), 401, /algorithm that is not allowed/);
  }
});

test('unknown kid (signed by a key the issuer does not publish) → 401', async () => {
  const stranger = await generateKeyPair('RS256');
  const token = await new SignJWT({ scope: WRITE, [`helseid://claims/client/claims/orgnr_parent`]: HMR })
    .setProtectedHeader({ alg: 'RS256', kid: 'rotated-away', typ: 'at+jwt' })
    .setIssuer(issuerUrl)
    .setAudience('ipbro')
    .setExpirationTime('5m')
    .sign(stranger.privateKey);
  await refused(await post(bearer(token)), 401, /no key of the issuer matches/);
});

test('missing scope → 403', async () => {
  await refused(
    await post(bearer(await issuer.mint({ orgnr: HMR, scope: 'ipbro:message.read' }))),
    403,
    /lacks the scope ipbro:message.write/
  );
});

test("another organisation (Ålesund posting as Helse Møre og Romsdal) → 403; reading HMR's message → 404", async () => {
  await refused(
    await post(bearer(await issuer.mint({ orgnr: '942953119', scope: WRITE }))),
    403,
    /not the MessageHeader.sender/
  );
  const body = message();
  expect((await post(bearer(await issuer.mint({ orgnr: HMR, scope: WRITE })), body)).status).toBe(202);
  const id = JSON.parse(body).entry[0].resource.id;
  const read = await fetch(`${gateway.url}/messages/${id}`, {
    headers: bearer(await issuer.mint({ orgnr: '942953119', scope: WRITE })),
  });
  expect(read.status).toBe(404);
});

test('a token naming no organisation → 403', async () => {
  await refused(await post(bearer(await issuer.mint({ scope: WRITE }))), 403, /names no organisation/);
});

describe('DPoP', () => {
  let client: { privateKey: KeyLike; publicJwk: JWK; jkt: string };
  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    const publicJwk = await exportJWK(pair.publicKey);
    client = { privateKey: pair.privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk) };
  });
  const proof = (token: string) =>
    signDpopProof({
      privateKey: client.privateKey,
      publicJwk: client.publicJwk,
      alg: 'ES256',
      htm: 'POST',
      htu: `${gateway.url}/fhir/$process-message`,
      accessToken: token,
    });

  test('a valid DPoP-bound token with its proof is accepted (202)', async () => {
    const token = await issuer.mint({ orgnr: HMR, scope: WRITE, extra: { cnf: { jkt: client.jkt } } });
    expect((await post({ Authorization: `DPoP ${token}`, DPoP: await proof(token) })).status).toBe(202);
    // The next request, with a new proof, too.
    expect((await post({ Authorization: `DPoP ${token}`, DPoP: await proof(token) })).status).toBe(202);
  });

  test('replayed DPoP proof → 401', async () => {
    const token = await issuer.mint({ orgnr: HMR, scope: WRITE, extra: { cnf: { jkt: client.jkt } } });
    const once = await proof(token);
    expect((await post({ Authorization: `DPoP ${token}`, DPoP: once })).status).toBe(202);
    await refused(await post({ Authorization: `DPoP ${token}`, DPoP: once }), 401, /replayed/);
  });

  test('a DPoP-bound token without a proof, or sent as a plain bearer token → 401', async () => {
    const token = await issuer.mint({ orgnr: HMR, scope: WRITE, extra: { cnf: { jkt: client.jkt } } });
    await refused(await post({ Authorization: `DPoP ${token}` }), 401, /needs a DPoP proof/);
    await refused(
      await post({ Authorization: `Bearer ${token}`, DPoP: await proof(token) }),
      401,
      /must be sent with Authorization: DPoP/
    );
  });
});

test('limits: a client past its budget gets 429 with Retry-After; JSON nested too deep is a 400', async () => {
  const token = await issuer.mint({ orgnr: HMR, scope: WRITE, clientId: 'bulk-client' });
  const statuses = [];
  for (let i = 0; i < 4; i++) {
    const res = await fetch(`${limited.url}/messages/${randomUUID()}`, { headers: bearer(token) });
    statuses.push(res.status);
    if (res.status === 429) {
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(((await res.json()) as { issue: { code: string }[] }).issue[0].code).toBe('throttled');
    }
  }
  expect(statuses).toEqual([404, 404, 404, 429]);
  const deep = `${'{"a":'.repeat(200)}1${'}'.repeat(200)}`;
  await refused(await post(bearer(await issuer.mint({ orgnr: HMR, scope: WRITE })), deep), 400, /nested deeper/);
});
