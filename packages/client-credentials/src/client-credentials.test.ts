import { decodeProtectedHeader, exportPKCS8, generateKeyPair, jwtVerify } from 'jose';
import { createServer, type Server } from 'node:http';
import { CLIENT_ASSERTION_TYPE, clientCredentialsTokenSource } from './client-credentials';

let server: Server;
let base: string;
const requests: URLSearchParams[] = [];
let answer: { status: number; body: object } = { status: 200, body: {} };

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      requests.push(new URLSearchParams(text));
      res.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));
beforeEach(() => {
  requests.length = 0;
});

test('asks for client_credentials once and reuses the token until shortly before it expires', async () => {
  let n = 0;
  answer = { status: 200, body: { access_token: 'tok-1', token_type: 'Bearer', expires_in: 300 } };
  const source = clientCredentialsTokenSource({
    tokenUrl: `${base}/token`,
    clientId: 'ipbro-router',
    clientSecret: 's3cret',
    scope: 'kommune:ke.write',
  });
  const tokens = await Promise.all([source(), source(), source()]);
  expect(tokens).toEqual(['tok-1', 'tok-1', 'tok-1']);
  expect(await source()).toBe('tok-1');
  expect(requests).toHaveLength(1);
  expect(Object.fromEntries(requests[0])).toEqual({
    grant_type: 'client_credentials',
    client_id: 'ipbro-router',
    client_secret: 's3cret',
    scope: 'kommune:ke.write',
  });
  n = requests.length;
  // A token that lives no longer than the margin is fetched anew each time.
  answer = { status: 200, body: { access_token: 'short', expires_in: 10 } };
  const short = clientCredentialsTokenSource({ tokenUrl: `${base}/token`, clientId: 'c', marginMs: 30_000 });
  await short();
  await short();
  expect(requests.length - n).toBe(2);
});

test('a refusal from the token endpoint is an error naming it', async () => {
  answer = { status: 400, body: { error: 'invalid_client' } };
  const source = clientCredentialsTokenSource({ tokenUrl: `${base}/token`, clientId: 'stranger' });
  await expect(source()).rejects.toThrow(/answered 400 \(invalid_client\)/);
});

test('private_key_jwt: a signed, short-lived client assertion with a unique jti on each token request, and no secret', async () => {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  answer = { status: 200, body: { access_token: 'pkj', expires_in: 10 } };
  // A PEM key, as the router reads it from a file; the token lives no longer than the margin, so each call asks again.
  const source = clientCredentialsTokenSource({
    tokenUrl: `${base}/token`,
    clientId: 'ipbro-router',
    privateKey: await exportPKCS8(privateKey),
    keyId: 'router-1',
    scope: 'kommune:ke.write',
  });
  expect(await source()).toBe('pkj');
  expect(await source()).toBe('pkj');
  expect(requests).toHaveLength(2);
  const jtis = new Set<string>();
  for (const form of requests) {
    expect(form.get('client_secret')).toBeNull();
    expect(form.get('client_assertion_type')).toBe(CLIENT_ASSERTION_TYPE);
    const assertion = form.get('client_assertion') as string;
    expect(decodeProtectedHeader(assertion)).toEqual({
      alg: 'RS256',
      typ: 'client-authentication+jwt',
      kid: 'router-1',
    });
    const { payload } = await jwtVerify(assertion, publicKey, {
      issuer: 'ipbro-router',
      subject: 'ipbro-router',
      audience: `${base}/token`,
    });
    expect((payload.exp as number) - (payload.iat as number)).toBeLessThanOrEqual(60);
    jtis.add(payload.jti as string);
  }
  expect(jtis.size).toBe(2);
});

test('renewed shortly before expiry; when renewal fails, the old token serves while it is still valid', async () => {
  answer = { status: 200, body: { access_token: 'first', expires_in: 60 } };
  // Margin 59.5 s of a 60 s token: renewal is due half a second after the first fetch.
  const source = clientCredentialsTokenSource({ tokenUrl: `${base}/token`, clientId: 'c', marginMs: 59_500 });
  expect(await source()).toBe('first');
  await new Promise((r) => setTimeout(r, 600));
  answer = { status: 503, body: { error: 'temporarily_unavailable' } };
  expect(await source()).toBe('first');
  answer = { status: 200, body: { access_token: 'second', expires_in: 60 } };
  expect(await source()).toBe('second');
  expect(requests).toHaveLength(3);
});
