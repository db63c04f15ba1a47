import { createServer, type Server } from 'node:http';
import { clientCredentialsTokenSource } from './client-credentials';

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
  const source = clientCredentialsTokenSource({ tokenUrl: `${base}/token`, clientId: 'ipbro-router', clientSecret: 's3cret', scope: 'kommune:ke.write' });
  const tokens = await Promise.all([source(), source(), source()]);
  expect(tokens).toEqual(['tok-1', 'tok-1', 'tok-1']);
  expect(await source()).toBe('tok-1');
  expect(requests).toHaveLength(1);
  expect(Object.fromEntries(requests[0])).toEqual({ grant_type: 'client_credentials', client_id: 'ipbro-router', client_secret: 's3cret', scope: 'kommune:ke.write' });
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
