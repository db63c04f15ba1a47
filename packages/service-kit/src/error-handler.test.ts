import { unauthorized } from '@ipbro/outcome';
import type { Express, NextFunction, Request, Response } from 'express';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger } from './logger';
import { createServiceApp } from './service-app';
import { listen } from './test-support/http';
import { RawConnection } from './test-support/raw-http';

const quiet = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });
let server: Awaited<ReturnType<typeof listen>>;
let app: Express;

beforeAll(async () => {
  const kit = createServiceApp({
    name: 'test',
    logger: quiet,
    bodyParsing: 'route',
    body: { limit: 32 * 1024 * 1024 },
  });
  const tokenCheck = (req: Request, _res: Response, next: NextFunction) =>
    req.headers.authorization ? next() : next(unauthorized('A bearer token is required'));
  kit.app.post('/closed', tokenCheck, kit.body, (_req, res) => void res.json({ ok: true }));
  app = kit.finish();
  server = await listen(app);
});
afterAll(() => server.close());

const MB = 1024 * 1024;

describe("an answer given before the request's body was read", () => {
  test('a 30 MB body on its way: the 401 comes after its first 64 kB, says Connection: close; the server ends the connection', async () => {
    const conn = await RawConnection.open(server.url);
    conn.send(
      'POST',
      '/closed',
      { 'Content-Type': 'application/fhir+json', 'Content-Length': 30 * MB },
      Buffer.alloc(64 * 1024, 'x')
    );
    const answer = await conn.next(); // the other 30 MB - 64 kB are never sent
    expect({
      status: answer.status,
      connection: answer.headers.connection,
      auth: answer.headers['www-authenticate'],
    }).toEqual({ status: 401, connection: 'close', auth: 'Bearer' });
    expect(JSON.parse(answer.body)).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'login' }] });
    await conn.ended;
  });

  test('a chunked body (no declared length) is refused the same way', async () => {
    const conn = await RawConnection.open(server.url);
    const chunk = `10000\r\n${'x'.repeat(0x10000)}\r\n`;
    conn.send('POST', '/closed', { 'Content-Type': 'application/fhir+json', 'Transfer-Encoding': 'chunked' }, chunk);
    const answer = await conn.next();
    expect({ status: answer.status, connection: answer.headers.connection }).toEqual({
      status: 401,
      connection: 'close',
    });
    await conn.ended;
  });

  test('a small body sent whole keeps the connection: the next request on it is answered', async () => {
    const conn = await RawConnection.open(server.url);
    conn.send(
      'POST',
      '/closed',
      { 'Content-Type': 'application/fhir+json', 'Content-Length': 10 * 1024 },
      Buffer.alloc(10 * 1024, 'x')
    );
    const first = await conn.next();
    expect({ status: first.status, connection: first.headers.connection }).toEqual({
      status: 401,
      connection: 'keep-alive',
    });
    conn.send(
      'POST',
      '/closed',
      { 'Content-Type': 'application/fhir+json', 'Content-Length': 2, Authorization: 'yes' },
      '{}'
    );
    expect((await conn.next()).status).toBe(200);
    conn.close();
  });

  test('a client that writes all 30 MB regardless still reads the 401; the server reads only a first part, then closes', async () => {
    const sockets: Socket[] = [];
    const own = app.listen(0, '127.0.0.1');
    own.on('connection', (s: Socket) => sockets.push(s));
    await new Promise((r) => own.once('listening', r));
    const port = (own.address() as { port: number }).port;
    try {
      const client = connect(port, '127.0.0.1');
      client.on('error', () => undefined); // the reset once the server gives up on the rest
      client.write(
        `POST /closed HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\nContent-Length: ${30 * MB}\r\n\r\n`
      );
      client.write(Buffer.alloc(30 * MB, 'x'));
      const answer = await new Promise<string>((resolve) => client.once('data', (d) => resolve(String(d))));
      expect(answer).toMatch(/^HTTP\/1\.1 401 /);
      expect(answer).toMatch(/\r\nConnection: close\r\n/i);
      await new Promise((r) => sockets[0].once('close', r)); // closed by the server, the client never closing
      expect(sockets[0].bytesRead).toBeLessThan(MB);
      client.destroy();
    } finally {
      await new Promise((r) => own.close(r));
    }
  });
});
