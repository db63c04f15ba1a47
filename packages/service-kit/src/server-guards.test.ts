import { unauthorized } from '@ipbro/outcome';
import { Writable } from 'node:stream';
import { createLogger } from './logger';
import { createServiceApp, startHttpServer, type RunningServer } from './service-app';
import { RawConnection } from './test-support/raw-http';

const quiet = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });
let running: RunningServer;
let url: string;

beforeAll(async () => {
  const kit = createServiceApp({ name: 'test', logger: quiet, bodyParsing: 'route', body: { limit: 8 * 1024 * 1024 } });
  kit.app.post('/open', kit.body, (req, res) => void res.json({ got: req.body }));
  kit.app.post('/closed', (_req, _res, next) => next(unauthorized('A bearer token is required')), kit.body);
  running = await startHttpServer(kit.finish(), 0, quiet, [], { handleSignals: false });
  url = `http://127.0.0.1:${running.port}`;
});
afterAll(() => running.close());

type Outcome = { resourceType: string; issue: { severity: string; code: string; diagnostics: string }[] };
const outcomeOf = (body: string) => JSON.parse(body) as Outcome;

test("headers over Node's limit get a 431 OperationOutcome, not a bare status line, and the connection is closed", async () => {
  const conn = await RawConnection.open(url);
  conn.send('GET', '/healthz', { 'X-Padding': 'x'.repeat(20 * 1024) });
  const answer = await conn.next();
  expect({
    status: answer.status,
    type: answer.headers['content-type'],
    connection: answer.headers.connection,
  }).toEqual({ status: 431, type: 'application/fhir+json; charset=utf-8', connection: 'close' });
  expect(outcomeOf(answer.body)).toEqual({
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity: 'error',
        code: 'too-long',
        diagnostics: "The request's headers are larger than the 16384 bytes accepted",
      },
    ],
  });
  await conn.ended;
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
});

test('a request that is not HTTP gets a 400 OperationOutcome', async () => {
  const conn = await RawConnection.open(url);
  conn.write('HELLO THERE\r\n\r\n');
  const answer = await conn.next();
  expect(answer.status).toBe(400);
  expect(outcomeOf(answer.body)).toMatchObject({
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'structure' }],
  });
  expect(outcomeOf(answer.body).issue[0].diagnostics).toMatch(/^The request is not valid HTTP\/1\.1 \(HPE_/);
  await conn.ended;
});

test('Expect: 100-continue: a refused request is answered without 100 Continue, so its body is never sent', async () => {
  const conn = await RawConnection.open(url);
  conn.send('POST', '/closed', {
    'Content-Type': 'application/fhir+json',
    'Content-Length': 5 * 1024 * 1024,
    Expect: '100-continue',
  });
  const answer = await conn.next();
  expect({ status: answer.status, connection: answer.headers.connection }).toEqual({
    status: 401,
    connection: 'close',
  });
  expect(outcomeOf(answer.body).issue[0]).toMatchObject({ code: 'login', diagnostics: 'A bearer token is required' });
  await conn.ended; // the declared body was never sent; the server does not wait for it
});

test('Expect: 100-continue: a route that reads the body sends 100 Continue first, then answers the body', async () => {
  const conn = await RawConnection.open(url);
  const body = JSON.stringify({ resourceType: 'Patient', id: 'p1' });
  const length = Buffer.byteLength(body);
  conn.send('POST', '/open', {
    'Content-Type': 'application/fhir+json',
    'Content-Length': length,
    Expect: '100-continue',
  });
  expect((await conn.next()).status).toBe(100);
  conn.write(body);
  const answer = await conn.next();
  expect({ status: answer.status, body: JSON.parse(answer.body) }).toEqual({
    status: 200,
    body: { got: { resourceType: 'Patient', id: 'p1' } },
  });
  conn.close();
});
