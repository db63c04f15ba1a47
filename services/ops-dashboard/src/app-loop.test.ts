import { AnswerStore, BodyCipher, MessageLedger, type MessageState, type Recipient } from '@ipbro/message-ledger';
import { AlertNotifier, osloTime, type AlertEvent } from '@ipbro/ops';
import { createQueue, QUEUES } from '@ipbro/queues';
import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { createAuthenticator, createLogger } from '@ipbro/service-kit';
import { createTokenIssuer } from '@ipbro/simulated-peers';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createOpsDashboardApp } from './app';

// The loop as the operator sees it, on real Redis and HTTP: meldeplikter waiting for the kommune's
// answer, unroutable messages, a consent's block that is no failure, recipient kinds, Oslo time.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
const logger = createLogger('ops-dashboard', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const ALESUND: Recipient = {
  kind: 'koordinerende-enhet',
  kommunenummer: '1508',
  name: 'Ålesund kommune',
  herId: '8110021',
  orgnr: '942953119',
};
const HMR_BACK: Recipient = {
  kind: 'sender',
  orgnr: '997005562',
  name: 'Helse Møre og Romsdal HF',
  endpoint: 'http://dips.hmr.test/fhir',
};
const MOLDE_EHR: Recipient = { kind: 'ehr', orgnr: '944305823', name: 'Molde kommune' };
const settings = { firstDelayMs: 1000, ceilingMs: 60000, attempts: 1 };

let redis: Redis;
let ledger: MessageLedger;
let answers: AnswerStore;
let base: string;
let ops: string;
let close: () => Promise<void>;
let hook: Server;
const hooked: AlertEvent[] = [];
const queues = {} as Record<'meldeplikt' | 'documents' | 'receipts', ReturnType<typeof createQueue>>;

beforeAll(async () => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const issuer = await createTokenIssuer({ issuer: 'https://helseid.test', audience: 'ipbro', clients: [] });
  const jwksFile = join(mkdtempSync(join(tmpdir(), 'ipbro-ops-loop-')), 'jwks.json');
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
  // The gateway's store, with its key: the dashboard's own reads only which meldeplikter were answered.
  answers = new AnswerStore(redis, { prefix, cipher: new BodyCipher(randomBytes(32)) });
  queues.meldeplikt = createQueue(QUEUES.meldeplikt, redis, settings, prefix);
  queues.documents = createQueue(QUEUES.documents, redis, settings, prefix);
  // Receipts to senders: three attempts, a few ms apart.
  queues.receipts = createQueue(QUEUES.receipts, redis, { firstDelayMs: 5, ceilingMs: 10, attempts: 3 }, prefix);
  const dashboard = createOpsDashboardApp({
    logger,
    ledger,
    queues,
    redis,
    prefix,
    auth: createAuthenticator({ mode: 'jwt', issuer: 'https://helseid.test', audience: 'ipbro', jwksFile }),
    // A fraction of a day, so the test need not wait a week; ALERT_ANSWER_OVERDUE_DAYS is whole days.
    thresholds: {
      waitingMinutes: 15,
      recipientFailures: 3,
      deadMessages: 1,
      receiptOverdueMinutes: 60,
      answerOverdueDays: 1 / 86400,
      unroutableMessages: 1,
    },
    notifier: new AlertNotifier({
      logger,
      webhookUrl: `http://127.0.0.1:${(hook.address() as { port: number }).port}/alerts`,
    }),
    answers: new AnswerStore(redis, { prefix }),
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

const get = (path: string) => fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${ops}` } });

async function message(
  id: string,
  steps: [MessageState, string][],
  recipient?: Recipient,
  event = 'meldeplikt',
  sender = '997005562'
): Promise<string> {
  await ledger.accept({ sender, id, event, body: '{}', enqueue: async () => undefined });
  const key = `${sender}:${id}`;
  for (const [state, detail] of steps) {
    await new Promise((r) => setTimeout(r, 3));
    await ledger.move({ key, to: state, detail, patch: { attempts: 1, ...(recipient ? { recipient } : {}) } });
  }
  return key;
}

test('a meldeplikt the kommune got and never answered raises answer-overdue; an answered one does not', async () => {
  const waiting = await message(
    'm-wait',
    [
      ['delivered', 'HTTP 202, receipt to follow'],
      ['acknowledged', 'receipt ok'],
    ],
    ALESUND
  );
  const answered = await message('m-answered', [['acknowledged', 'receipt ok']], ALESUND);
  const koordinator = { name: 'Ingrid Hansen', telecom: [{ system: 'phone', value: '+47 70 16 20 00' }] };
  await answers.record(answered, '942953119:svar-1', {
    status: 'completed',
    at: new Date().toISOString(),
    koordinator,
  });
  await message('svar-1', [['acknowledged', 'receipt ok']], HMR_BACK, 'meldeplikt-svar', '942953119');
  await new Promise((r) => setTimeout(r, 1200)); // past the test's threshold of one second
  const alerts = (await (await get('/ops/api/alerts')).json()) as any[];
  expect(alerts.filter((a) => a.rule === 'answer-overdue').map((a) => a.id)).toEqual([`answer-overdue:${waiting}`]);
  expect(hooked.map((e) => `${e.status} ${e.alert.id}`)).toContain(`firing answer-overdue:${waiting}`);
  const overview = (await (await get('/ops/api/overview')).json()) as any;
  expect(overview.answersOverdue).toBe(1);
  // The dashboard never opens an answer: no koordinator's name anywhere it serves.
  expect(JSON.stringify(overview) + (await (await get('/ops')).text())).not.toMatch(/Ingrid|Hansen/);
});

test('recipient rows say which kind they are: koordinerende enhet, EHR, sender (answers going back)', async () => {
  await message('p-1', [['delivered', 'HTTP 200']], MOLDE_EHR, 'epikrise');
  const rows = ((await (await get('/ops/api/recipients')).json()) as any[]).map((r) => [r.id, r.kind]);
  expect(rows).toEqual(
    expect.arrayContaining([
      ['her:8110021', 'koordinerende-enhet'],
      ['ehr:org:944305823', 'ehr'],
      ['sender:org:997005562', 'sender'],
    ])
  );
  const html = await (await get('/ops')).text();
  expect(html).toMatch(/<tr data-recipient="sender:org:997005562"[^>]*>.*?<td class="kind">sender<\/td>/);
  expect(html).toMatch(/<tr data-recipient="her:8110021"[^>]*>.*?<td class="kind">koordinerende enhet<\/td>/);
  expect(html).toMatch(/<tr data-recipient="ehr:org:944305823"[^>]*>.*?<td class="kind">EHR<\/td>/);
});

test(
  'a sender whose receipt endpoint is down is a row of its own (kind sender), with its failures in a row, ' +
    'and raises the recipient alert',
  async () => {
    const key = `997005562:m-rcpt`;
    // A port nobody listens on any more: the sender's endpoint is down.
    const gone = createServer();
    await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(gone.address() as { port: number }).port}/fhir`;
    await new Promise((r) => gone.close(r));
    await ledger.accept({
      sender: '997005562',
      id: 'm-rcpt',
      event: 'meldeplikt',
      body: '{}',
      sourceEndpoint: endpoint,
      enqueue: async () => undefined,
    });
    await ledger.move({ key, to: 'acknowledged', detail: 'receipt ok', patch: { attempts: 1, recipient: ALESUND } });
    // As the receipt worker does: post to the sender's endpoint, throw when it cannot be reached (BullMQ retries).
    const connection = redis.duplicate();
    const worker = new Worker(
      QUEUES.receipts,
      async (job) => {
        const record = await ledger.get(job.data.key);
        const res = await fetch(`${record!.sourceEndpoint}/$process-message`, { method: 'POST', body: '{}' }).catch(
          (err: Error) => {
            throw new Error((err.cause as { code?: string } | undefined)?.code ?? err.message);
          }
        );
        return `HTTP ${res.status}`;
      },
      { connection, prefix, settings: { backoffStrategy: () => 5 } }
    );
    await queues.receipts.add('receipt', { key, state: 'acknowledged' } as never, { jobId: 'receipt_m-rcpt' });
    for (let i = 0; i < 200 && (await queues.receipts.getJobCountByTypes('failed')) < 1; i++)
      await new Promise((r) => setTimeout(r, 20));
    await worker.close();
    connection.disconnect();

    const rows = (await (await get('/ops/api/recipients')).json()) as any[];
    expect(rows.find((r) => r.id === 'receipts:org:997005562')).toMatchObject({
      kind: 'sender',
      orgnr: '997005562',
      endpoint,
      backlog: 0,
      dead: 1,
      consecutiveFailures: 3,
      lastError: 'ECONNREFUSED',
    });
    // The answers going back to the same organisation stay a row of their own.
    expect(rows.find((r) => r.id === 'sender:org:997005562')).toMatchObject({ consecutiveFailures: 0 });
    const alerts = (await (await get('/ops/api/alerts')).json()) as any[];
    expect(alerts.map((a) => a.id)).toContain('recipient-failing:receipts:org:997005562');
    expect(hooked.map((e) => `${e.status} ${e.alert.id}`)).toContain('firing recipient-failing:receipts:org:997005562');
    const html = await (await get('/ops')).text();
    expect(html).toMatch(
      /<tr data-recipient="receipts:org:997005562" class="failing"><td><a href="\?sender=997005562">.*?<td class="kind">sender<\/td>/
    );
  }
);

test('an unroutable message raises an alert (not only a counter), and clears when it is re-driven', async () => {
  const lost = await message('u-1', [['unroutable', 'no koordinerende enhet known for kommune 9999']]);
  const alerts = (await (await get('/ops/api/alerts')).json()) as any[];
  expect(alerts.find((a) => a.id === 'unroutable-messages')?.summary).toBe(
    '1 unroutable message, kept until the directory knows the recipient: meldeplikt u-1 (no koordinerende enhet known for kommune 9999)'
  );
  await ledger.move({ key: lost, to: 'queued', detail: 're-driven: the directory now knows the recipient' });
  expect(((await (await get('/ops/api/alerts')).json()) as any[]).map((a) => a.id)).not.toContain(
    'unroutable-messages'
  );
  expect(hooked.map((e) => `${e.status} ${e.alert.id}`)).toEqual(
    expect.arrayContaining(['firing unroutable-messages', 'resolved unroutable-messages'])
  );
});

test('a plan copy blocked by consent is no failure: not among failed jobs, no alert, no discard, shown as correct', async () => {
  const blocked = await message(
    'b-1',
    [['blocked', 'consent: no taushetsplikt-fritak names Molde kommune']],
    MOLDE_EHR,
    'ip-plan-copy',
    '942953119'
  );
  // The courier completes a blocked message's job (applyOutcome's `done`): BullMQ holds it as completed.
  const connection = redis.duplicate();
  const worker = new Worker(QUEUES.documents, async () => 'blocked', { connection, prefix });
  await queues.documents.add(
    'ip-plan-copy',
    { key: blocked, messageId: 'b-1', sender: '942953119', event: 'ip-plan-copy' },
    { jobId: 'b-1' }
  );
  for (let i = 0; i < 200 && (await queues.documents.getJobCountByTypes('completed')) < 1; i++)
    await new Promise((r) => setTimeout(r, 20));
  await worker.close();
  connection.disconnect();
  const overview = (await (await get('/ops/api/overview')).json()) as any;
  const documents = overview.queues.find((q: any) => q.name === 'documents');
  expect(documents.counts).toMatchObject({ failed: 0, completed: 1 });
  expect(documents.counts).not.toHaveProperty('blocked');
  expect(overview.alerts.map((a: any) => a.summary).join(' ')).not.toContain('b-1');
  expect(overview.recipients.find((r: any) => r.id === 'ehr:org:944305823')).toMatchObject({
    consecutiveFailures: 0,
    dead: 0,
  });
  const html = await (await get('/ops?state=blocked')).text();
  expect(html).toContain('<td class="state state-blocked">blocked</td>');
  expect(html).not.toContain(`data-action="discard" data-key="${blocked}"`);
  expect(html).toMatch(/<tr data-queue="documents">(<td>[^<]*<\/td>){4}<td>0<\/td><td>1<\/td>/);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  expect(metrics).toMatch(/ipbro_queue_jobs\{queue="documents",state="failed",service="ops-dashboard"\} 0/);
  expect(metrics).toMatch(/ipbro_queue_jobs\{queue="documents",state="completed",service="ops-dashboard"\} 1/);
  expect(metrics).not.toContain('ipbro_queue_jobs{queue="documents",state="blocked"');
});

test('times on the page are Europe/Oslo time, and the page says so', async () => {
  const record = (await ledger.get('997005562:m-wait'))!;
  const html = await (await get('/ops?id=m-wait')).text();
  expect(html).toContain('(times in Europe/Oslo)');
  expect(html).toContain(`<td>${osloTime(record.receivedAt)}</td>`);
  expect(osloTime(record.receivedAt)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d CES?T$/);
  expect(html).not.toContain(`<td>${record.receivedAt}</td>`);
});
