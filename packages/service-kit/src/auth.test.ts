import express from 'express';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createServer, type Server } from 'node:http';
import { authConfigSpec, authOf, createAuthenticator, ORGNR_CLAIM } from './auth';
import { loadConfig, portConfigSpec } from './config';
import { errorHandler } from './error-handler';
import { createLogger } from './logger';
import { listen } from './test-support/http';

const quiet = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });
let privateKey: KeyLike;
let publicJwk: JWK;
let url: string;
let close: () => Promise<void>;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const dir = mkdtempSync(join(tmpdir(), 'ipbro-auth-'));
  const jwksFile = join(dir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [publicJwk] }));
  const auth = createAuthenticator({ mode: 'jwt', issuer: 'https://helseid.test', audience: 'ipbro', jwksFile });
  const app = express();
  app.get('/write', auth.requireScope('ipbro:message.write'), (_req, res) => {
    res.json(authOf(res));
  });
  app.get('/read-or-ops', auth.requireScope('ipbro:message.read', 'ipbro:ops'), (req, res) => {
    res.json({ fromReq: req.auth, same: authOf(req) === authOf(res) });
  });
  app.use(errorHandler(quiet));
  ({ url, close } = await listen(app));
});
afterAll(() => close());

function token(
  claims: Record<string, unknown> = {},
  options: { kid?: string; exp?: string | number; nbf?: string | number; iss?: string; aud?: string; typ?: string } = {}
) {
  const jwt = new SignJWT({
    scope: 'ipbro:message.write ipbro:message.read',
    client_id: 'hmr-dips',
    [ORGNR_CLAIM]: '997005562',
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'k1', typ: options.typ ?? 'at+jwt' })
    .setIssuer(options.iss ?? 'https://helseid.test')
    .setAudience(options.aud ?? 'ipbro')
    .setIssuedAt()
    .setExpirationTime(options.exp ?? '5m');
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign(privateKey);
}

const call = (bearer?: string) =>
  fetch(`${url}/write`, { headers: bearer ? { Authorization: `Bearer ${bearer}` } : {} });
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

test('a valid token gives the client, its organisation and scopes', async () => {
  const res = await call(await token());
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({
    subject: undefined,
    clientId: 'hmr-dips',
    orgnr: '997005562',
    scopes: ['ipbro:message.write', 'ipbro:message.read'],
    insecure: false,
  });
});

test.each([
  ['no token', async () => undefined, 401],
  ['expired', async () => token({}, { exp: Math.floor(Date.now() / 1000) - 120 }), 401],
  ['not yet valid', async () => token({}, { nbf: Math.floor(Date.now() / 1000) + 600 }), 401],
  ['wrong issuer', async () => token({}, { iss: 'https://evil.test' }), 401],
  ['wrong audience', async () => token({}, { aud: 'someone-else' }), 401],
  ['unknown kid', async () => token({}, { kid: 'k2' }), 401],
  [
    'alg none',
    async () =>
      `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: 'https://helseid.test', aud: 'ipbro', exp: 9999999999, scope: 'ipbro:message.write' })}.`,
    401,
  ],
  [
    'HS256 signed with the public key',
    async () => {
      const { createHmac } = await import('node:crypto');
      const head = b64({ alg: 'HS256', typ: 'JWT', kid: 'k1' });
      const body = b64({ iss: 'https://helseid.test', aud: 'ipbro', exp: 9999999999, scope: 'ipbro:message.write' });
      const sig = createHmac('sha256', JSON.stringify(publicJwk)).update(`${head}.${body}`).digest('base64url');
      return `${head}.${body}.${sig}`;
    },
    401,
  ],
  ['typ of an ID token', async () => token({}, { typ: 'id+jwt' }), 401],
  [
    'no typ at all',
    async () =>
      new SignJWT({ scope: 'ipbro:message.write', [ORGNR_CLAIM]: '997005562' })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer('https://helseid.test')
        .setAudience('ipbro')
        .setExpirationTime('5m')
        .sign(privateKey),
    401,
  ],
  [
    'no exp (a token that would never expire)',
    async () =>
      new SignJWT({ scope: 'ipbro:message.write', [ORGNR_CLAIM]: '997005562' })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' })
        .setIssuer('https://helseid.test')
        .setAudience('ipbro')
        .sign(privateKey),
    401,
  ],
  ['a DPoP-bound token sent as a plain bearer token', async () => token({ cnf: { jkt: 'abc' } }), 401],
  ['a token bound to a client certificate (cnf x5t#S256)', async () => token({ cnf: { 'x5t#S256': 'abc' } }), 401],
  ['a message scope without an organisation', async () => token({ [ORGNR_CLAIM]: undefined }), 403],
  ['missing scope', async () => token({ scope: 'ipbro:message.read' }), 403],
  ['scope only as a prefix', async () => token({ scope: 'ipbro:message.writer' }), 403],
  ['a malformed token', async () => 'not.a.jwt', 401],
  ['a token whose signature was altered', async () => (await token()).slice(0, -4) + 'AAAA', 401],
  [
    'a token from another key with the same kid',
    async () => {
      const other = await generateKeyPair('RS256');
      return new SignJWT({ scope: 'ipbro:message.write' })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer('https://helseid.test')
        .setAudience('ipbro')
        .setExpirationTime('5m')
        .sign(other.privateKey);
    },
    401,
  ],
])('%s: refused with the right status and an OperationOutcome', async (_name, make, status) => {
  const res = await call(await make());
  expect(res.status).toBe(status);
  const body = (await res.json()) as { resourceType: string };
  expect(body.resourceType).toBe('OperationOutcome');
  if (status === 401) expect(res.headers.get('www-authenticate')).toBe('Bearer');
});

test('insecure-dev takes the organisation from X-Ipbro-Org and says so', async () => {
  const lines: string[] = [];
  const logger = createLogger('t', {
    destination: new Writable({
      write: (c, _e, cb) => {
        lines.push(String(c));
        cb();
      },
    }),
  });
  const auth = createAuthenticator({ mode: 'insecure-dev' }, logger);
  expect(lines.join('')).toContain('insecure-dev');
  const ctx = await auth.authenticate({ headers: { 'x-ipbro-org': '997005562' } } as never);
  expect(ctx).toMatchObject({ orgnr: '997005562', insecure: true });
});

test('a token 20 s past exp is still accepted (30 s clock tolerance); 60 s past is not', async () => {
  const now = Math.floor(Date.now() / 1000);
  expect((await call(await token({}, { exp: now - 20 }))).status).toBe(200);
  expect((await call(await token({}, { exp: now - 60 }))).status).toBe(401);
});

test('requireScope with several scopes takes any one of them; the context is on req and res', async () => {
  const res = await fetch(`${url}/read-or-ops`, {
    headers: { Authorization: `Bearer ${await token({ scope: ['ipbro:ops'] })}` },
  });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({
    fromReq: { clientId: 'hmr-dips', orgnr: '997005562', scopes: ['ipbro:ops'], insecure: false },
    same: true,
  });
  const basic = await fetch(`${url}/read-or-ops`, { headers: { Authorization: 'Basic dXNlcjpwYXNz' } });
  expect(basic.status).toBe(401);
  expect(basic.headers.get('www-authenticate')).toBe('Bearer');
});

test.each(['ES256', 'EdDSA'] as const)('%s keys are accepted from a JWKS file', async (alg) => {
  const pair = await generateKeyPair(alg, { crv: alg === 'EdDSA' ? 'Ed25519' : undefined });
  const dir = mkdtempSync(join(tmpdir(), 'ipbro-auth-'));
  const jwksFile = join(dir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'e1', alg }] }));
  const auth = createAuthenticator({ mode: 'jwt', issuer: 'https://helseid.test', audience: 'ipbro', jwksFile });
  const jwt = await new SignJWT({ scope: 'ipbro:ops', [ORGNR_CLAIM]: '974557746' })
    .setProtectedHeader({ alg, kid: 'e1', typ: 'JWT' })
    .setIssuer('https://helseid.test')
    .setAudience('ipbro')
    .setExpirationTime('5m')
    .sign(pair.privateKey);
  expect(await auth.authenticate({ headers: { authorization: `Bearer ${jwt}` } } as never)).toEqual({
    subject: undefined,
    clientId: undefined,
    orgnr: '974557746',
    scopes: ['ipbro:ops'],
    insecure: false,
  });
});

describe('a remote JWKS (AUTH_JWKS_URL)', () => {
  let jwksServer: Server;
  let jwksUrl: string;
  let answer: { status: number; body: string };

  beforeAll(async () => {
    jwksServer = createServer((_req, res) => {
      res.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(answer.body);
    });
    await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', () => r()));
    const address = jwksServer.address();
    jwksUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/jwks`;
  });
  afterAll(() => new Promise<void>((r) => jwksServer.close(() => r())));

  const check = async (auth: ReturnType<typeof createAuthenticator>) => {
    const app = express();
    app.get('/w', auth.requireScope('ipbro:message.write'), (_req, res) => void res.json(authOf(res)));
    app.use(errorHandler(quiet));
    const s = await listen(app);
    try {
      const res = await fetch(`${s.url}/w`, { headers: { Authorization: `Bearer ${await token()}` } });
      return { status: res.status, body: (await res.json()) as { resourceType?: string; orgnr?: string } };
    } finally {
      await s.close();
    }
  };

  test('keys fetched from the issuer verify the token', async () => {
    answer = { status: 200, body: JSON.stringify({ keys: [publicJwk] }) };
    const r = await check(
      createAuthenticator({ mode: 'jwt', issuer: 'https://helseid.test', audience: 'ipbro', jwksUrl }, quiet)
    );
    expect(r).toEqual({ status: 200, body: expect.objectContaining({ orgnr: '997005562' }) });
  });

  test.each([
    ['answers 500', (): void => void (answer = { status: 500, body: 'oops' }), (): string => jwksUrl],
    [
      'answers something that is not a JWKS',
      (): void => void (answer = { status: 200, body: '{"nokeys":true}' }),
      (): string => jwksUrl,
    ],
    ['cannot be reached', (): void => undefined, (): string => 'http://127.0.0.1:1/jwks'],
  ])('an issuer that %s is a 503 (our outage), not a 401 or a 500', async (_name, arrange, where) => {
    arrange();
    const r = await check(
      createAuthenticator({ mode: 'jwt', issuer: 'https://helseid.test', audience: 'ipbro', jwksUrl: where() }, quiet)
    );
    expect(r.status).toBe(503);
    expect(r.body.resourceType).toBe('OperationOutcome');
  });
});

test('authConfigSpec composes with the other specs', () => {
  expect(loadConfig({ ...portConfigSpec(8080), ...authConfigSpec }, { AUTH_MODE: 'insecure-dev' })).toEqual({
    PORT: 8080,
    auth: { mode: 'insecure-dev', rateLimit: { requests: 100000, windowSeconds: 60, bytes: 1073741824 } },
  });
  expect(
    loadConfig(authConfigSpec, {
      AUTH_ISSUER: 'https://helseid.test',
      AUTH_AUDIENCE: 'ipbro',
      AUTH_JWKS_URL: 'https://helseid.test/jwks',
    }).auth
  ).toEqual({
    mode: 'jwt',
    issuer: 'https://helseid.test',
    audience: 'ipbro',
    jwksUrl: 'https://helseid.test/jwks',
    jwksFile: undefined,
    clockToleranceSeconds: 30,
    dpopWindowSeconds: 60,
    rateLimit: { requests: 100000, windowSeconds: 60, bytes: 1073741824 },
  });
  expect(
    loadConfig(authConfigSpec, {
      AUTH_ISSUER: 'i',
      AUTH_AUDIENCE: 'a',
      AUTH_JWKS_URL: 'https://x.test/jwks',
      AUTH_CLOCK_SKEW_SECONDS: '10',
      AUTH_DPOP_WINDOW_SECONDS: '30',
      AUTH_PUBLIC_URL: 'https://ipbro.example',
      RATE_LIMIT_REQUESTS: '50',
      RATE_LIMIT_WINDOW_SECONDS: '1',
      RATE_LIMIT_BYTES: '0',
    }).auth
  ).toMatchObject({
    clockToleranceSeconds: 10,
    dpopWindowSeconds: 30,
    publicUrl: 'https://ipbro.example',
    rateLimit: { requests: 50, windowSeconds: 1, bytes: 0 },
  });
  expect(() => loadConfig(authConfigSpec, { AUTH_MODE: 'insecure-dev', RATE_LIMIT_BYTES: '1e9' })).toThrow(
    'RATE_LIMIT_BYTES must be a whole number ≥ 0, got "1e9"'
  );
  expect(() =>
    loadConfig(authConfigSpec, {
      AUTH_ISSUER: 'i',
      AUTH_AUDIENCE: 'a',
      AUTH_JWKS_URL: 'https://x.test/jwks',
      AUTH_CLOCK_SKEW_SECONDS: '3600',
    })
  ).toThrow(/AUTH_CLOCK_SKEW_SECONDS must be small/);
});

describe('JWKS rotation', () => {
  let server: Server;
  let jwksUrl: string;
  let keys: JWK[];
  let fetches = 0;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      fetches++;
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    jwksUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/jwks`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const signWith = async (key: KeyLike, kid: string) =>
    new SignJWT({ scope: 'ipbro:message.write', [ORGNR_CLAIM]: '997005562' })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt' })
      .setIssuer('https://helseid.test')
      .setAudience('ipbro')
      .setExpirationTime('5m')
      .sign(key);
  const authWith = (auth: ReturnType<typeof createAuthenticator>, jwt: string) =>
    auth.authenticate({ headers: { authorization: `Bearer ${jwt}` } } as never).then(
      () => 200,
      (err: { status?: number }) => err.status ?? 500
    );

  test('a new kid is fetched once; a burst of unknown kids costs one fetch at most, none during the cooldown', async () => {
    // Keys and tokens made first: generating RSA keys takes long enough to run past a cooldown.
    const next = await generateKeyPair('RS256');
    const stranger = await generateKeyPair('RS256');
    const unknown = await signWith(stranger.privateKey, 'k9');
    const rotated = await signWith(next.privateKey, 'k2');
    keys = [publicJwk];
    fetches = 0;
    const auth = createAuthenticator(
      { mode: 'jwt', issuer: 'https://helseid.test', audience: 'ipbro', jwksUrl, jwksCooldownMs: 1000 },
      quiet,
      { tokenCacheSize: 0 }
    );
    expect(await authWith(auth, await token())).toBe(200);
    expect(fetches).toBe(1);
    // The issuer rotates: a second key appears under a new kid.
    keys = [publicJwk, { ...(await exportJWK(next.publicKey)), kid: 'k2', alg: 'RS256', use: 'sig' }];
    await new Promise((r) => setTimeout(r, 1100));
    expect(await authWith(auth, rotated)).toBe(200);
    expect(fetches).toBe(2);
    // Within the cooldown: 20 tokens naming a kid nobody has, no fetch at all.
    expect(await Promise.all(Array.from({ length: 20 }, () => authWith(auth, unknown)))).toEqual(Array(20).fill(401));
    expect(fetches).toBe(2);
    // After it: the same burst shares a single fetch.
    await new Promise((r) => setTimeout(r, 1100));
    expect(await Promise.all(Array.from({ length: 20 }, () => authWith(auth, unknown)))).toEqual(Array(20).fill(401));
    expect(fetches).toBe(3);
    // Known keys keep working without fetching.
    expect(await authWith(auth, await token())).toBe(200);
    expect(fetches).toBe(3);
  });
});

test('a verified token is reused from the cache only until it expires', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipbro-auth-'));
  writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [publicJwk] }));
  const cached = createAuthenticator(
    {
      mode: 'jwt',
      issuer: 'https://helseid.test',
      audience: 'ipbro',
      jwksFile: join(dir, 'jwks.json'),
      clockToleranceSeconds: 0,
    },
    quiet
  );
  const jwt = await token({}, { exp: Math.floor(Date.now() / 1000) + 2 });
  const req = { headers: { authorization: `Bearer ${jwt}` } } as never;
  const first = await cached.authenticate(req);
  expect(await cached.authenticate(req)).toBe(first); // the same verified context, not a second verification
  await new Promise((r) => setTimeout(r, 2100));
  await expect(cached.authenticate(req)).rejects.toMatchObject({ status: 401 });
});

test('a JWKS file is read again for an unknown kid (rotation), at most once per cooldown', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipbro-auth-'));
  const file = join(dir, 'jwks.json');
  writeFileSync(file, JSON.stringify({ keys: [publicJwk] }));
  // Keys and tokens made first: generating RSA keys takes long enough to run past a cooldown.
  const next = await generateKeyPair('RS256');
  const rotated = await new SignJWT({ scope: 'ipbro:message.write', [ORGNR_CLAIM]: '997005562' })
    .setProtectedHeader({ alg: 'RS256', kid: 'k2', typ: 'at+jwt' })
    .setIssuer('https://helseid.test')
    .setAudience('ipbro')
    .setExpirationTime('5m')
    .sign(next.privateKey);
  const stranger = await generateKeyPair('RS256');
  const unknown = await new SignJWT({ scope: 'ipbro:message.write', [ORGNR_CLAIM]: '997005562' })
    .setProtectedHeader({ alg: 'RS256', kid: 'k9', typ: 'at+jwt' })
    .setIssuer('https://helseid.test')
    .setAudience('ipbro')
    .setExpirationTime('5m')
    .sign(stranger.privateKey);
  const rotatedJwk = { ...(await exportJWK(next.publicKey)), kid: 'k2', alg: 'RS256' };
  const auth = createAuthenticator(
    { mode: 'jwt', issuer: 'https://helseid.test', audience: 'ipbro', jwksFile: file, jwksCooldownMs: 1000 },
    quiet,
    { tokenCacheSize: 0 }
  );
  const status = (jwt: string) =>
    auth.authenticate({ headers: { authorization: `Bearer ${jwt}` } } as never).then(
      () => 200,
      (e: { status: number }) => e.status
    );
  writeFileSync(file, JSON.stringify({ keys: [publicJwk, rotatedJwk] }));
  expect(await status(rotated)).toBe(401); // within the cooldown of the first read
  await new Promise((r) => setTimeout(r, 1100));
  expect(await status(rotated)).toBe(200);
  expect(await status(await token())).toBe(200);
  writeFileSync(file, '{"keys": [');
  await new Promise((r) => setTimeout(r, 1100));
  expect(await status(unknown)).toBe(401); // a half-written file: the keys we had stay
  expect(await status(rotated)).toBe(200);
});
