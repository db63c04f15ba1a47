import { unauthorized } from '@ipbro/outcome';
import type { NextFunction, Request, Response } from 'express';
import { Writable } from 'node:stream';
import { createLogger } from './logger';
import { createServiceApp } from './service-app';
import { listen } from './test-support/http';
import { RawConnection } from './test-support/raw-http';

const quiet = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });
let server: Awaited<ReturnType<typeof listen>>;

beforeAll(async () => {
  const kit = createServiceApp({ name: 'test', logger: quiet, bodyParsing: 'route', body: { limit: 32 * 1024 * 1024 } });
  const tokenCheck = (req: Request, _res: Response, next: NextFunction) =>
    (req.headers.authorization ? next() : next(unauthorized('A bearer token is required')));
  kit.app.post('/closed', tokenCheck, kit.body, (_req, res) => void res.json({ ok: true }));
  server = await listen(kit.finish());
});
afterAll(() => server.close());

const MB = 1024 * 1024;

describe('an answer given before the request\'s body was read', () => {
  test('a 30 MB body on its way: the 401 comes after its first 64 kB, says Connection: close; the server ends the connection', async () => {
    const conn = await RawConnection.open(server.url);
    conn.send('POST', '/closed', { 'Content-Type': 'application/fhir+json', 'Content-Length': 30 * MB }, Buffer.alloc(64 * 1024, 'x'));
    const answer = await conn.next(); // the other 30 MB - 64 kB are never sent
    expect({ status: answer.status, connection: answer.headers.connection, auth: answer.headers['www-authenticate'] })
      .toEqual({ status: 401, connection: 'close', auth: 'Bearer' });
    expect(JSON.parse(answer.body)).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'login' }] });
    await conn.ended;
  });

  test('a chunked body (no declared length) is refused the same way', async () => {
    const conn = await RawConnection.open(server.url);
    const chunk = `10000\r\n${'x'.repeat(0x10000)}\r\n`;
    conn.send('POST', '/closed', { 'Content-Type': 'application/fhir+json', 'Transfer-Encoding': 'chunked' }, chunk);
    const answer = await conn.next();
    expect({ status: answer.status, connection: answer.headers.connection }).toEqual({ status: 401, connection: 'close' });
    await conn.ended;
  });

  test('a small body sent whole keeps the connection: the next request on it is answered', async () => {
    const conn = await RawConnection.open(server.url);
    conn.send('POST', '/closed', { 'Content-Type': 'application/fhir+json', 'Content-Length': 10 * 1024 }, Buffer.alloc(10 * 1024, 'x'));
    const first = await conn.next();
    expect({ status: first.status, connection: first.headers.connection }).toEqual({ status: 401, connection: 'keep-alive' });
    conn.send('POST', '/closed', { 'Content-Type': 'application/fhir+json', 'Content-Length': 2, Authorization: 'yes' }, '{}');
    expect((await conn.next()).status).toBe(200);
    conn.close();
  });
});
