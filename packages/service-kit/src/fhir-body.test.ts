import { Writable } from 'node:stream';
import { createLogger } from './logger';
import { createServiceApp, startHttpServer, type RunningServer } from './service-app';
import { RawConnection } from './test-support/raw-http';

const quiet = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const MB = 1024 * 1024;
let running: RunningServer;
let url: string;

beforeAll(async () => {
  const kit = createServiceApp({ name: 'test', logger: quiet, body: { limit: 4 * MB, inFlightBytes: 6 * MB } });
  kit.app.post('/echo', (_req, res) => void res.json({ bytes: res.locals.bodyBytes }));
  running = await startHttpServer(kit.finish(), 0, quiet, [], { handleSignals: false });
  url = `http://127.0.0.1:${running.port}`;
});
afterAll(() => running.close());

const json = { 'Content-Type': 'application/fhir+json' };
/** A JSON body of exactly `size` bytes. */
const bodyOf = (size: number) => Buffer.from(`{"pad":"${'x'.repeat(size - 10)}"}`);

/** An upload that holds its bytes in flight: the server answers 100 Continue only once it has reserved them. */
async function holding(size: number): Promise<RawConnection> {
  const conn = await RawConnection.open(url);
  conn.send('POST', '/echo', { ...json, 'Content-Length': size, Expect: '100-continue' });
  expect((await conn.next()).status).toBe(100);
  return conn;
}

/** `holding`, tried again while the server answers 503 (it may not yet have seen an aborted upload go). */
async function holdingOnceFreed(size: number): Promise<RawConnection> {
  for (let attempt = 1; ; attempt++) {
    const conn = await RawConnection.open(url);
    conn.send('POST', '/echo', { ...json, 'Content-Length': size, Expect: '100-continue' });
    const answer = await conn.next();
    if (answer.status === 100) return conn;
    if (answer.status !== 503 || attempt === 50) throw new Error(`answered ${answer.status} on attempt ${attempt}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('bodies in flight are bounded per process', () => {
  test('a body that would pass the budget is answered 503 + Retry-After at once; an answered or aborted upload frees them', async () => {
    const first = await holding(4 * MB);
    const second = await RawConnection.open(url);
    second.send('POST', '/echo', { ...json, 'Content-Length': 4 * MB, Expect: '100-continue' });
    const refused = await second.next();
    expect({
      status: refused.status,
      retryAfter: refused.headers['retry-after'],
      connection: refused.headers.connection,
    }).toEqual({ status: 503, retryAfter: '2', connection: 'close' });
    expect(JSON.parse(refused.body)).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ code: 'transient' }],
    });
    await second.ended;

    first.write(bodyOf(4 * MB));
    const answered = await first.next();
    expect({ status: answered.status, body: JSON.parse(answered.body) }).toEqual({
      status: 200,
      body: { bytes: 4 * MB },
    });
    first.close();

    const third = await holding(4 * MB); // the first's bytes were freed
    third.close();
    (await holdingOnceFreed(4 * MB)).close(); // and so were the aborted third's, once the server has seen it go
  });

  test('a chunked body takes its bytes as they arrive: past the budget, 503 and the connection is closed', async () => {
    const first = await holding(4 * MB);
    const chunked = await RawConnection.open(url);
    chunked.send('POST', '/echo', { ...json, 'Transfer-Encoding': 'chunked' });
    const piece = 'x'.repeat(MB);
    for (let i = 0; i < 3; i++) chunked.write(`${MB.toString(16)}\r\n${piece}\r\n`);
    const refused = await chunked.next();
    expect({
      status: refused.status,
      retryAfter: refused.headers['retry-after'],
      connection: refused.headers.connection,
    }).toEqual({ status: 503, retryAfter: '2', connection: 'close' });
    await chunked.ended;
    first.close();
  });
});
