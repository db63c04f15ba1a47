import { createTokenIssuer, type TokenIssuer } from '@ipbro/simulated-peers';
import { Directory } from '@ipbro/directory';
import { ledgerKey, MessageLedger } from '@ipbro/message-ledger';
import { createQueue, QUEUES, type DeliveryJobData } from '@ipbro/queues';
import { createRedisConnection, singleRedisConfig, waitUntilReady } from '@ipbro/redis';
import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { createAuthenticator, createLogger, startHttpServer, type RateLimit } from '@ipbro/service-kit';
import { RawConnection } from '@ipbro/service-kit/src/test-support/raw-http';
import type { Queue } from 'bullmq';
import type { Express } from 'express';
import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createGatewayApp } from './app';
import { loadGatewayConfig } from './config';
import { wireGateway } from './wire';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROOT = join(__dirname, '..', '..', '..');
const fixture = (name: string) =>
  JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'contract', `${name}.json`), 'utf8'));
const directory = Directory.fromObject(
  JSON.parse(readFileSync(join(ROOT, 'packages', 'directory', 'demo-directory.json'), 'utf8'))
);
const quiet = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const prefix = `{ipbro-gw-${randomUUID().slice(0, 8)}}`;
const delivery = { firstDelayMs: 1000, ceilingMs: 60000, attempts: 5 };
const EXAMPLE_ID = '6a1f3c1e-0b7e-4d55-9f3e-2d4f5a6b7c01';
const HMR = '997005562';
const ALESUND = '942953119';
const OUS = '993467049';

let issuer: TokenIssuer;
let jwksFile: string;
let redis: Redis;
const running: { server: Server; close: () => Promise<void> }[] = [];

interface GatewayUnderTest {
  base: string;
  queues: Record<'meldeplikt' | 'documents', Queue<DeliveryJobData>>;
  stop: () => Promise<void>;
}

/** A gateway as main.ts makes and serves one: its own Redis connection, ledger and queues under `prefix`, startHttpServer. */
async function startGateway(
  options: { defaultBodyLimit?: boolean; rateLimit?: RateLimit } = {}
): Promise<GatewayUnderTest> {
  const conn = createRedisConnection(singleRedisConfig(REDIS_URL), 'producer');
  await waitUntilReady(conn); // as main.ts does: a producer connection does not queue commands before it is up
  const queues = {
    [QUEUES.meldeplikt]: createQueue(QUEUES.meldeplikt, conn, delivery, prefix),
    [QUEUES.documents]: createQueue(QUEUES.documents, conn, delivery, prefix),
  };
  const limit = options.rateLimit ? { rateLimit: options.rateLimit } : {};
  const authConfig = { mode: 'jwt' as const, issuer: 'https://helseid.test', audience: 'ipbro', jwksFile, ...limit };
  const app: Express = createGatewayApp({
    logger: quiet,
    ledger: new MessageLedger(conn, { prefix }),
    queues,
    directory,
    ...(options.defaultBodyLimit ? {} : { bodyLimit: 512 * 1024 }),
    now: () => new Date('2026-11-24T12:00:00+01:00'),
    auth: createAuthenticator(authConfig, quiet, { redis: conn, prefix: `${prefix}-${randomUUID().slice(0, 4)}` }),
  });
  const server = await startHttpServer(app, 0, quiet, [], { handleSignals: false });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await server.close();
    for (const q of Object.values(queues)) await q.close();
    conn.disconnect();
  };
  running.push({ server: server.server, close: stop });
  return { base: `http://127.0.0.1:${server.port}`, queues, stop };
}

let gw: Awaited<ReturnType<typeof startGateway>>;

const token = (orgnr: string, scope = 'ipbro:message.write ipbro:message.read', expiresInSeconds?: number) =>
  issuer.mint({
    orgnr,
    scope,
    clientId: `client-${orgnr}`,
    ...(expiresInSeconds !== undefined ? { expiresInSeconds } : {}),
  });

beforeAll(async () => {
  issuer = await createTokenIssuer({ issuer: 'https://helseid.test', audience: 'ipbro', clients: [] });
  jwksFile = join(mkdtempSync(join(tmpdir(), 'ipbro-gw-')), 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify(issuer.jwks));
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  gw = await startGateway();
});

afterAll(async () => {
  for (const r of running) await r.close();
  await removeTestData(redis, prefix);
});

const post = async (body: unknown, bearer?: string, type = 'application/fhir+json', base = gw.base) =>
  fetch(`${base}/fhir/$process-message`, {
    method: 'POST',
    headers: { 'Content-Type': type, ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const getStatus = async (id: string, bearer: string) =>
  fetch(`${gw.base}/messages/${id}`, { headers: { Authorization: `Bearer ${bearer}` } });
/** Jobs waiting, delayed or active, over both queues, and the ledger's records: what "nothing queued" means. */
const counts = async () => {
  let jobs = 0;
  for (const q of Object.values(gw.queues))
    jobs += await q.getJobCountByTypes('waiting', 'delayed', 'active', 'prioritized');
  return {
    jobs,
    records: (await redis.keys(`${prefix}:msg:*`)).length,
    ids: (await redis.keys(`${prefix}:id:*`)).length,
  };
};

test('the example meldeplikt: 202 + Location, queued; the same again: 200 with its status, one job', async () => {
  const hmr = await token(HMR);
  const res = await post(fixture('meldeplikt'), hmr);
  expect(res.status).toBe(202);
  expect(res.headers.get('location')).toBe(`/messages/${EXAMPLE_ID}`);
  expect(await res.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'information' }] });
  const again = await post(fixture('meldeplikt'), hmr);
  expect(again.status).toBe(200);
  expect(await again.json()).toMatchObject({ id: EXAMPLE_ID, event: 'meldeplikt', state: 'queued' });
  expect(await gw.queues.meldeplikt.getJobCountByTypes('waiting', 'delayed', 'active')).toBe(1);
  expect(await gw.queues.documents.getJobCountByTypes('waiting', 'delayed', 'active')).toBe(0);

  const status = await getStatus(EXAMPLE_ID, hmr);
  expect(status.status).toBe(200);
  expect(await status.json()).toEqual({
    id: EXAMPLE_ID,
    event: 'meldeplikt',
    state: 'queued',
    attempts: 0,
    recipient: {
      kommunenummer: '1508',
      name: 'Ålesund kommune',
      herId: '8110021',
      endpoint: 'http://127.0.0.1:4101/kommune/1508/ke',
    },
    history: [{ at: expect.any(String), state: 'queued', detail: 'accepted' }],
  });
});

test('GET /messages/{id}: another organisation gets 404 as for an unknown id; ops may read; a token without read scope 403', async () => {
  const other = await getStatus(EXAMPLE_ID, await token(OUS));
  expect(other.status).toBe(404);
  const unknown = await getStatus(randomUUID(), await token(HMR));
  expect(unknown.status).toBe(404);
  const codeOf = async (r: Response) => ((await r.json()) as { issue: { code: string }[] }).issue[0].code;
  expect(await codeOf(other)).toBe(await codeOf(unknown));
  const ops = await getStatus(EXAMPLE_ID, await token(OUS, 'ipbro:ops'));
  expect(ops.status).toBe(200);
  expect(await ops.json()).toMatchObject({ id: EXAMPLE_ID, state: 'queued' });
  expect((await getStatus(EXAMPLE_ID, await token(HMR, 'ipbro:message.write'))).status).toBe(403);
  expect((await fetch(`${gw.base}/messages/${EXAMPLE_ID}`)).status).toBe(401);
});

test('the dedup survives a gateway restart: it lives in Redis', async () => {
  await gw.stop();
  gw = await startGateway();
  const before = await counts();
  const again = await post(fixture('meldeplikt'), await token(HMR));
  expect(again.status).toBe(200);
  expect(await again.json()).toMatchObject({ id: EXAMPLE_ID, state: 'queued' });
  expect(await counts()).toEqual(before);
});

test("the receipt-ok example with Ålesund's token moves the meldeplikt to acknowledged; from anyone else it is refused", async () => {
  const key = ledgerKey(HMR, EXAMPLE_ID);
  const ledger = new MessageLedger(redis, { prefix });
  await ledger.move({ key, to: 'delivered', detail: 'HTTP 202', patch: { attempts: 1 } });
  const stranger = await post(fixture('receipt-ok'), await token(HMR));
  expect(stranger.status).toBe(403); // the token's organisation is not the receipt's sender
  expect((await ledger.get(key))?.state).toBe('delivered');
  const before = await counts();
  const res = await post(fixture('receipt-ok'), await token(ALESUND));
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ resourceType: 'OperationOutcome' });
  expect(await counts()).toEqual(before); // a receipt is not a message to deliver
  const status = (await (await getStatus(EXAMPLE_ID, await token(HMR))).json()) as {
    state: string;
    receipt: { code: string };
    history: { state: string }[];
  };
  expect(status).toMatchObject({ state: 'acknowledged', receipt: { code: 'ok' } });
  expect(status.history.map((h) => h.state)).toEqual(['queued', 'delivered', 'acknowledged']);
});

test('with the default body limit an epikrise carrying a 20 MB PDF is accepted (27 MB in base64); past 32 MB it is 413', async () => {
  const big = await startGateway({ defaultBodyLimit: true });
  try {
    const b = fixture('epikrise');
    b.entry[0].resource.id = randomUUID();
    b.entry[1].resource.content[0].attachment.data = randomBytes(20 * 1024 * 1024).toString('base64');
    const res = await post(b, await token(HMR), 'application/fhir+json', big.base);
    expect(res.status).toBe(202);
    b.entry[0].resource.id = randomUUID();
    b.entry[1].resource.content[0].attachment.data = randomBytes(25 * 1024 * 1024).toString('base64');
    const over = await post(b, await token(HMR), 'application/fhir+json', big.base);
    expect(over.status).toBe(413);
  } finally {
    await big.queues.documents.drain(); // the tests below count the documents queue from empty
    await big.stop();
  }
}, 60000);

test('the other events are validated and queued for the courier', async () => {
  const res = await post(fixture('epikrise'), await token(HMR));
  expect(res.status).toBe(202);
  expect(await gw.queues.documents.getJobCountByTypes('waiting')).toBe(1);
  const plan = await post(fixture('ip-plan-copy'), await token(ALESUND));
  expect(plan.status).toBe(202);
  expect(await gw.queues.documents.getJobCountByTypes('waiting')).toBe(2);
});

describe("invalid inputs get the contract's answer and leave the queues and the ledger exactly as they were", () => {
  const broken = (f: (b: any) => void) => {
    const b = fixture('meldeplikt');
    b.entry[0].resource.id = randomUUID();
    f(b);
    return b;
  };
  const cases: [string, () => Promise<Response>, number, string][] = [
    ['bad JSON', async () => post('{"resourceType":', await token(HMR)), 400, 'JSON'],
    ['not a message', async () => post({ resourceType: 'Patient' }, await token(HMR)), 400, 'Bundle'],
    [
      'wrong content type',
      async () =>
        post(
          broken(() => undefined),
          await token(HMR),
          'text/plain'
        ),
      415,
      'Content-Type',
    ],
    [
      'bad check digit',
      async () =>
        post(
          broken((b) => (b.entry[2].resource.identifier[0].value = '12830551211')),
          await token(HMR)
        ),
      422,
      'check digit',
    ],
    [
      'no home kommune',
      async () =>
        post(
          broken((b) => delete b.entry[2].resource.address[0]._district),
          await token(HMR)
        ),
      422,
      'home kommune',
    ],
    [
      'unknown event',
      async () =>
        post(
          broken((b) => (b.entry[0].resource.eventCoding.code = 'hastemelding')),
          await token(HMR)
        ),
      422,
      'hastemelding',
    ],
    [
      'missing consent',
      async () =>
        post(
          broken((b) => (b.entry[1].resource.input = b.entry[1].resource.input.slice(0, 2))),
          await token(HMR)
        ),
      422,
      'consent',
    ],
    [
      'oversized body',
      async () => post({ ...broken(() => undefined), pad: 'x'.repeat(600 * 1024) }, await token(HMR)),
      413,
      'limit',
    ],
    ['no token', async () => post(broken(() => undefined)), 401, 'token'],
    [
      'expired token',
      async () =>
        post(
          broken(() => undefined),
          await token(HMR, undefined, -300)
        ),
      401,
      'expired',
    ],
    [
      'token for another audience',
      async () =>
        post(
          broken(() => undefined),
          await issuer.mint({ orgnr: HMR, scope: 'ipbro:message.write', audience: 'other-api' })
        ),
      401,
      'aud',
    ],
    [
      'token without the write scope',
      async () =>
        post(
          broken(() => undefined),
          await token(HMR, 'ipbro:message.read')
        ),
      403,
      'scope',
    ],
    [
      "another organisation's token",
      async () =>
        post(
          broken(() => undefined),
          await token(OUS)
        ),
      403,
      'is not the MessageHeader.sender',
    ],
  ];
  test.each(cases)('%s', async (_name, send, status, text) => {
    const before = await counts();
    const res = await send();
    expect(res.status).toBe(status);
    const outcome = (await res.json()) as {
      resourceType: string;
      issue: { severity: string; diagnostics?: string; expression?: string[] }[];
    };
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue.some((i) => i.severity === 'error' || i.severity === 'fatal')).toBe(true);
    expect(JSON.stringify(outcome.issue)).toContain(text);
    if (status === 422)
      expect(outcome.issue.some((i) => (i.expression ?? []).some((e) => e.startsWith('Bundle.entry')))).toBe(true);
    expect(await counts()).toEqual(before);
  });
});

test('Redis gone: 503 with an OperationOutcome, never a 202; readiness fails', async () => {
  // A gateway whose Redis connection was up (as main.ts waits for) and then went away.
  const dead = createRedisConnection(singleRedisConfig(REDIS_URL), 'producer');
  await waitUntilReady(dead);
  const queues = {
    [QUEUES.meldeplikt]: createQueue(QUEUES.meldeplikt, dead, delivery, prefix),
    [QUEUES.documents]: createQueue(QUEUES.documents, dead, delivery, prefix),
  };
  await Promise.all(Object.values(queues).map((q) => q.waitUntilReady()));
  dead.disconnect();
  const app = createGatewayApp({
    logger: quiet,
    ledger: new MessageLedger(dead, { prefix }),
    queues,
    now: () => new Date('2026-11-24T12:00:00+01:00'),
    auth: createAuthenticator({ mode: 'jwt', issuer: 'https://helseid.test', audience: 'ipbro', jwksFile }),
    readiness: [
      {
        name: 'redis',
        check: async () => {
          await dead.ping();
        },
      },
    ],
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    const before = await counts();
    const res = await post(fixture('meldeplikt'), await token(HMR), 'application/fhir+json', base);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'transient' }],
    });
    expect(
      (await fetch(`${base}/messages/${EXAMPLE_ID}`, { headers: { Authorization: `Bearer ${await token(HMR)}` } }))
        .status
    ).toBe(503);
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    expect(await counts()).toEqual(before);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
    for (const q of Object.values(queues)) await q.close();
  }
});

test('REDIS_MIN_REPLICAS_ACK: a message whose writes no replica confirmed in time is answered 503 with Retry-After, not 202', async () => {
  // The test Redis has no replica, so a WAIT for one times out: what the gateway answers while a replica is down.
  const config = loadGatewayConfig({
    REDIS_URL,
    REDIS_MIN_REPLICAS_ACK: '1',
    REDIS_ACK_TIMEOUT_MS: '50',
    QUEUE_PREFIX: prefix,
    IPBRO_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    AUTH_ISSUER: 'https://helseid.test',
    AUTH_AUDIENCE: 'ipbro',
    AUTH_JWKS_FILE: jwksFile,
  });
  expect(config.redis).toMatchObject({
    target: { kind: 'single', url: REDIS_URL },
    minReplicasAck: 1,
    ackTimeoutMs: 50,
  });
  const wired = await wireGateway(config, quiet);
  const server = await new Promise<Server>((resolve) => {
    const s = wired.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  try {
    const b = fixture('meldeplikt');
    b.entry[0].resource.id = randomUUID();
    const res = await post(
      b,
      await token(HMR),
      'application/fhir+json',
      `http://127.0.0.1:${(server.address() as { port: number }).port}`
    );
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    const outcome = (await res.json()) as { issue: { diagnostics: string }[] };
    expect(outcome.issue[0].diagnostics).toContain('the writes reached 0 of 1 replica within 50 ms');
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
    await wired.close();
  }
});

describe('a stranger cannot stall the gateway', () => {
  const MB = 1024 * 1024;
  const PATH = '/fhir/$process-message';
  const firstChunk = Buffer.alloc(64 * 1024, ' ');
  const upload = (extra: Record<string, string> = {}) => ({
    'Content-Type': 'application/fhir+json',
    'Content-Length': 30 * MB,
    ...extra,
  });

  test('an unauthenticated 30 MB body is answered 401 from its headers, after only its first 64 kB; the connection is closed', async () => {
    const before = await counts();
    const conn = await RawConnection.open(gw.base);
    conn.send('POST', PATH, upload(), firstChunk);
    const answer = await conn.next(); // the other 30 MB - 64 kB are never sent
    expect({
      status: answer.status,
      type: answer.headers['content-type'],
      connection: answer.headers.connection,
    }).toEqual({ status: 401, type: 'application/fhir+json; charset=utf-8', connection: 'close' });
    expect(JSON.parse(answer.body)).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'login' }],
    });
    await conn.ended;
    expect(await counts()).toEqual(before);
  });

  test("/healthz answers while four strangers' 30 MB uploads arrive and two authenticated ones are read; two more get 503", async () => {
    const big = await startGateway({ defaultBodyLimit: true }); // 32 MB bodies, 64 MB of them in flight
    const opened: RawConnection[] = [];
    try {
      const open = async () => {
        const conn = await RawConnection.open(big.base);
        opened.push(conn);
        return conn;
      };
      const strangers = await Promise.all(Array.from({ length: 4 }, open));
      for (const c of strangers) c.send('POST', PATH, upload(), firstChunk);
      const hmr = await token(HMR);
      const clients = await Promise.all(Array.from({ length: 4 }, open));
      // 100 Continue comes once the gateway holds the body's bytes and starts reading it.
      for (const c of clients) c.send('POST', PATH, upload({ Authorization: `Bearer ${hmr}`, Expect: '100-continue' }));
      const first = await Promise.all(clients.map((c) => c.next()));
      expect(first.map((a) => a.status).sort()).toEqual([100, 100, 503, 503]);
      const reading = clients.filter((_c, i) => first[i].status === 100);
      for (const c of reading) c.write(firstChunk); // and hold the rest of their 30 MB

      const health = await fetch(`${big.base}/healthz`);
      expect({ status: health.status, body: await health.json() }).toEqual({ status: 200, body: { status: 'ok' } });

      for (const refused of first.filter((a) => a.status === 503)) {
        expect({ retryAfter: refused.headers['retry-after'], connection: refused.headers.connection }).toEqual({
          retryAfter: '2',
          connection: 'close',
        });
        expect(JSON.parse(refused.body)).toMatchObject({
          resourceType: 'OperationOutcome',
          issue: [{ code: 'transient' }],
        });
      }
      for (const c of strangers) expect((await c.next()).status).toBe(401);
      await Promise.all(strangers.map((c) => c.ended));
    } finally {
      for (const c of opened) c.close();
      await big.stop();
    }
  });

  test('an authenticated client past its byte budget gets 429 with Retry-After, and nothing is queued', async () => {
    const message = () => {
      const b = fixture('meldeplikt');
      b.entry[0].resource.id = randomUUID();
      return b;
    };
    const size = Buffer.byteLength(JSON.stringify(message()));
    const limited = await startGateway({
      rateLimit: { requests: 1000, windowSeconds: 3600, bytes: Math.floor(2.5 * size) },
    });
    try {
      const hmr = await token(HMR);
      expect((await post(message(), hmr, 'application/fhir+json', limited.base)).status).toBe(202);
      expect((await post(message(), hmr, 'application/fhir+json', limited.base)).status).toBe(202);
      const before = await counts();
      const refused = await post(message(), hmr, 'application/fhir+json', limited.base);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(3600);
      const outcome = (await refused.json()) as {
        resourceType: string;
        issue: { code: string; diagnostics: string }[];
      };
      expect(outcome).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'throttled' }] });
      expect(outcome.issue[0].diagnostics).toContain(`has used its ${Math.floor(2.5 * size)} body bytes per 3600 s`);
      expect(await counts()).toEqual(before);
    } finally {
      await limited.stop();
    }
  });

  test("a header over Node's limit gets a 431 OperationOutcome, not a bare status line", async () => {
    const conn = await RawConnection.open(gw.base);
    conn.send('GET', `/messages/${EXAMPLE_ID}`, { Authorization: `Bearer ${'x'.repeat(20 * 1024)}` });
    const answer = await conn.next();
    expect({ status: answer.status, type: answer.headers['content-type'] }).toEqual({
      status: 431,
      type: 'application/fhir+json; charset=utf-8',
    });
    expect(JSON.parse(answer.body)).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'too-long' }],
    });
    await conn.ended;
  });
});
