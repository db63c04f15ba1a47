import express from 'express';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { authOf, createAuthenticator, ORGNR_CLAIM } from './auth';
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
  app.use(errorHandler(quiet));
  ({ url, close } = await listen(app));
});
afterAll(() => close());

function token(claims: Record<string, unknown> = {}, options: { kid?: string; exp?: string | number; nbf?: string | number; iss?: string; aud?: string; typ?: string } = {}) {
  const jwt = new SignJWT({ scope: 'ipbro:message.write ipbro:message.read', client_id: 'hmr-dips', [ORGNR_CLAIM]: '997005562', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'k1', typ: options.typ ?? 'at+jwt' })
    .setIssuer(options.iss ?? 'https://helseid.test')
    .setAudience(options.aud ?? 'ipbro')
    .setIssuedAt()
    .setExpirationTime(options.exp ?? '5m');
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign(privateKey);
}

const call = (bearer?: string) => fetch(`${url}/write`, { headers: bearer ? { Authorization: `Bearer ${bearer}` } : {} });
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

test('a valid token gives the client, its organisation and scopes', async () => {
  const res = await call(await token());
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ subject: undefined, clientId: 'hmr-dips', orgnr: '997005562', scopes: ['ipbro:message.write', 'ipbro:message.read'], insecure: false });
});

test.each([
  ['no token', async () => undefined, 401],
  ['expired', async () => token({}, { exp: Math.floor(Date.now() / 1000) - 120 }), 401],
  ['not yet valid', async () => token({}, { nbf: Math.floor(Date.now() / 1000) + 600 }), 401],
  ['wrong issuer', async () => token({}, { iss: 'https://evil.test' }), 401],
  ['wrong audience', async () => token({}, { aud: 'someone-else' }), 401],
  ['unknown kid', async () => token({}, { kid: 'k2' }), 401],
  ['alg none', async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: 'https://helseid.test', aud: 'ipbro', exp: 9999999999, scope: 'ipbro:message.write' })}.`, 401],
  ['HS256 signed with the public key', async () => {
    const { createHmac } = await import('node:crypto');
    const head = b64({ alg: 'HS256', typ: 'JWT', kid: 'k1' });
    const body = b64({ iss: 'https://helseid.test', aud: 'ipbro', exp: 9999999999, scope: 'ipbro:message.write' });
    const sig = createHmac('sha256', JSON.stringify(publicJwk)).update(`${head}.${body}`).digest('base64url');
    return `${head}.${body}.${sig}`;
  }, 401],
  ['typ of an ID token', async () => token({}, { typ: 'id+jwt' }), 401],
  ['missing scope', async () => token({ scope: 'ipbro:message.read' }), 403],
])('%s → %i with an OperationOutcome', async (_name, make, status) => {
  const res = await call(await make());
  expect(res.status).toBe(status);
  const body = (await res.json()) as { resourceType: string };
  expect(body.resourceType).toBe('OperationOutcome');
  if (status === 401) expect(res.headers.get('www-authenticate')).toBe('Bearer');
});

test('insecure-dev takes the organisation from X-Ipbro-Org and says so', async () => {
  const lines: string[] = [];
  const logger = createLogger('t', { destination: new Writable({ write: (c, _e, cb) => { lines.push(String(c)); cb(); } }) });
  const auth = createAuthenticator({ mode: 'insecure-dev' }, logger);
  expect(lines.join('')).toContain('insecure-dev');
  const ctx = await auth.authenticate({ headers: { 'x-ipbro-org': '997005562' } } as never);
  expect(ctx).toMatchObject({ orgnr: '997005562', insecure: true });
});
