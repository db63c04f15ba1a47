import { createTokenIssuer, type TokenIssuer } from '@ipbro/simulated-peers';
import { MessageLedger, type MessageState, type Recipient } from '@ipbro/message-ledger';
import { AlertNotifier, type AlertEvent } from '@ipbro/ops';
import { createQueue, QUEUES } from '@ipbro/queues';
import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { createAuthenticator, createLogger } from '@ipbro/service-kit';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createOpsDashboardApp } from './app';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
const lines: string[] = [];
const logger = createLogger('ops-dashboard', {
  destination: new Writable({
    write: (c, _e, cb) => {
      lines.push(String(c));
      cb();
    },
  }),
});
const ALESUND: Recipient = {
  kommunenummer: '1508',
  name: 'Ålesund kommune',
  herId: '8110021',
  endpoint: 'http://127.0.0.1:1/kommune/1508/ke',
};
const settings = { firstDelayMs: 1000, ceilingMs: 60000, attempts: 3 };

let redis: Redis;
let issuer: TokenIssuer;
let base: string;
let close: () => Promise<void>;
let hook: Server;
const hooked: AlertEvent[] = [];
let ledger: MessageLedger;
const queues = {} as Record<'meldeplikt' | 'documents', ReturnType<typeof createQueue>>;
let ops: string;

beforeAll(async () => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  issuer = await createTokenIssuer({ issuer: 'https://helseid.test', audience: 'ipbro', clients: [] });
  const jwksFile = join(mkdtempSync(join(tmpdir(), 'ipbro-ops-')), 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify(issuer.jwks));
  hook = createServer((req, res) => {
    let b = '';
    req.on('data', (c) => (b += c));
    req.on('end', () => {
      hooked.push(JSON.parse(b) as AlertEvent);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  ledger = new MessageLedger(redis, { prefix });
  queues.meldeplikt = createQueue(QUEUES.meldeplikt, redis, settings, prefix);
  queues.documents = createQueue(QUEUES.documents, redis, settings, prefix);
  const dashboard = createOpsDashboardApp({
    logger,
    ledger,
    queues,
    redis,
    prefix,
    auth: createAuthenticator({ mode: 'jwt', issuer: 'https://helseid.test', audience: 'ipbro', jwksFile }),
    thresholds: { waitingMinutes: 15, recipientFailures: 3, deadMessages: 1, receiptOverdueMinutes: 60 },
    notifier: new AlertNotifier({
      logger,
      webhookUrl: `http://127.0.0.1:${(hook.address() as { port: number }).port}/alerts`,
    }),
  });
  const server = await new Promise<Server>((r) => {
    const s = dashboard.app.listen(0, '127.0.0.1', () => r(s));
  });
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  close = () => new Promise((r) => server.close(() => r()));
  ops = await issuer.mint({ scope: 'ipbro:ops', clientId: 'vakt-anne', orgnr: '997005562' });
});

afterAll(async () => {
  await close();
  await new Promise<void>((r) => hook.close(() => r()));
  await removeTestData(redis, prefix, ...Object.values(queues));
});

const get = (path: string, token = ops) =>
  fetch(`${base}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
const post = (path: string, body: unknown, token = ops) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

async function message(
  id: string,
  steps: [MessageState, string][],
  recipient?: Recipient,
  event = 'meldeplikt'
): Promise<string> {
  await ledger.accept({ sender: '997005562', id, event, body: '{}', enqueue: async () => undefined });
  const key = `997005562:${id}`;
  let attempts = 0;
  for (const [state, detail] of steps) {
    await new Promise((r) => setTimeout(r, 3));
    await ledger.move({ key, to: state, detail, patch: { attempts: ++attempts, ...(recipient ? { recipient } : {}) } });
  }
  return key;
}

test('reading needs a token with ipbro:ops: 401 without, 403 with only the message scopes; health and metrics are open', async () => {
  expect((await get('/ops', '')).status).toBe(401);
  expect((await get('/queues/', '')).status).toBe(401);
  const reader = await issuer.mint({
    scope: 'ipbro:message.read ipbro:message.write',
    clientId: 'dips',
    orgnr: '997005562',
  });
  expect((await get('/ops/api/overview', reader)).status).toBe(403);
  expect((await get('/healthz', '')).status).toBe(200);
  expect((await get('/ops/api/overview')).status).toBe(200);
});

test('the page and the API show the queues, a failing recipient, dead messages, and raise the alerts to the webhook', async () => {
  await message(
    'ok-1',
    [
      ['delivered', 'HTTP 202, receipt to follow'],
      ['acknowledged', 'receipt ok'],
    ],
    ALESUND
  );
  const dead = await message(
    'dead-1',
    [
      ['retrying', 'attempt 1 of 3: HTTP 503'],
      ['retrying', 'attempt 2 of 3: HTTP 503'],
      ['dead', 'attempts exhausted (3); last: HTTP 503'],
    ],
    ALESUND
  );
  await message('lost-1', [['unroutable', 'no koordinerende enhet for kommune 9999']]);
  const overview = (await (await get('/ops/api/overview')).json()) as any;
  expect(overview.queues.map((q: { name: string }) => q.name)).toEqual(['meldeplikt', 'documents']);
  expect(overview.states).toMatchObject({ acknowledged: 1, dead: 1, unroutable: 1 });
  expect(overview.recipients[0]).toMatchObject({
    id: 'her:8110021',
    name: 'Ålesund kommune',
    consecutiveFailures: 3,
    dead: 1,
    lastError: 'attempts exhausted (3); last: HTTP 503',
  });
  expect(overview.alerts.map((a: { id: string }) => a.id).sort()).toEqual([
    'dead-messages',
    'recipient-failing:her:8110021',
  ]);
  expect(hooked.map((e) => `${e.status} ${e.alert.id}`).sort()).toEqual([
    'firing dead-messages',
    'firing recipient-failing:her:8110021',
  ]);

  const page = await get('/ops?state=dead');
  expect(page.headers.get('content-type')).toMatch(/text\/html/);
  const html = await page.text();
  expect(html).toContain('<tr data-queue="meldeplikt">');
  expect(html).toMatch(/<tr data-recipient="her:8110021" class="failing">/);
  expect(html).toContain(`data-action="retry" data-key="${dead}"`);
  expect(html).not.toContain('data-message="ok-1"');
  expect(html).toContain('As vakt-anne (997005562)');

  const found = (await (await get('/ops/api/messages?recipient=1508&state=dead')).json()) as any;
  expect(found.map((m: { id: string }) => m.id)).toEqual(['dead-1']);
  expect((await get('/ops/api/messages?state=lost')).status).toBe(400);
  expect((await get('/ops/api/messages?from=yesterday')).status).toBe(400);
});

test(
  'retry a dead message: queued with one job of routing data, recorded with who did it; the alerts ' +
    'clear when the recipient recovers',
  async () => {
    const key = '997005562:dead-1';
    const res = await post(`/ops/api/messages/${encodeURIComponent(key)}/retry`, { reason: 'kommune back' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).record).toMatchObject({ id: 'dead-1', state: 'queued', attempts: 0 });
    expect((await queues.meldeplikt.getJobs(['waiting'])).map((j) => j.data)).toEqual([
      { key, messageId: 'dead-1', sender: '997005562', event: 'meldeplikt' },
    ]);
    expect((await post(`/ops/api/messages/${encodeURIComponent(key)}/retry`, {})).status).toBe(409);
    expect((await post(`/ops/api/messages/${encodeURIComponent('997005562:nope')}/retry`, {})).status).toBe(404);
    const [audit] = (await (await get('/ops/api/audit')).json()) as any;
    expect(audit).toMatchObject({
      by: 'vakt-anne',
      orgnr: '997005562',
      action: 'retry',
      messageId: 'dead-1',
      reason: 'kommune back',
    });
    expect(lines.some((l) => l.includes('"action":"retry"') && l.includes('"by":"vakt-anne"'))).toBe(true);

    // The router would now deliver it; the recipient answers.
    await ledger.move({ key, to: 'acknowledged', detail: 'receipt ok', patch: { attempts: 1 } });
    const alerts = (await (await get('/ops/api/alerts')).json()) as any;
    expect(alerts).toEqual([]);
    expect(
      hooked
        .filter((e) => e.status === 'resolved')
        .map((e) => e.alert.id)
        .sort()
    ).toEqual(['dead-messages', 'recipient-failing:her:8110021']);
  }
);

test('re-drive unroutable and discard with a reason', async () => {
  const redrive = await post('/ops/api/unroutable/redrive', {});
  expect((await redrive.json()) as any).toEqual({ message: '1 re-driven', redriven: ['997005562:lost-1'] });
  expect((await get('/ops/api/messages/997005562%3Alost-1').then((r) => r.json() as any)).state).toBe('queued');
  expect((await post('/ops/api/messages/997005562%3Alost-1/discard', {})).status).toBe(400);
  const discard = await post('/ops/api/messages/997005562%3Alost-1/discard', {
    reason: 'the kommune was merged; sent again by the hospital',
  });
  expect(((await discard.json()) as any).record).toMatchObject({
    state: 'dead',
    discarded: { by: 'vakt-anne (997005562)', reason: 'the kommune was merged; sent again by the hospital' },
  });
  expect((await post('/ops/api/messages/997005562%3Aok-1/discard', { reason: 'x' })).status).toBe(409);
});

test('bull-board serves every queue behind the ops scope; /metrics has the queue, ledger and recipient gauges', async () => {
  const board = await get('/queues/');
  expect(board.status).toBe(200);
  expect(await board.text()).toContain('IP-bro queues');
  const api = (await (await get('/queues/api/queues')).json()) as any;
  expect(api.queues.map((q: { name: string }) => q.name).sort()).toEqual(['documents', 'meldeplikt']);
  expect(api.queues.every((q: { readOnlyMode: boolean }) => q.readOnlyMode)).toBe(true);
  const metrics = await (await get('/metrics', '')).text();
  expect(metrics).toMatch(/ipbro_queue_jobs\{queue="meldeplikt",state="waiting",service="ops-dashboard"\} \d+/);
  expect(metrics).toContain('ipbro_queue_oldest_waiting_seconds{queue="meldeplikt"');
  expect(metrics).toMatch(/ipbro_messages\{state="dead",service="ops-dashboard"\} 1/);
  expect(metrics).toMatch(/ipbro_messages\{state="unroutable",service="ops-dashboard"\} 0/);
  expect(metrics).toMatch(/ipbro_recipient_consecutive_failures\{recipient="her:8110021",service="ops-dashboard"\} 0/);
  expect(metrics).toContain('ipbro_receipts_overdue{service="ops-dashboard"} 0');
});
