import { jobIdFor, type MessageRecord } from '@ipbro/message-ledger';
import { QUEUES } from '@ipbro/queues';
import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { readReceiptJobs, receiptHealth, receiptHealthOf } from './receipt-health';
import { REDIS_URL } from './test-support/ledger-fixture';

// The receipts queue on real Redis, with a worker that answers as the receipt worker does: a value
// when sent (or 'no …' when there is no way back), an Error to retry, UnrecoverableError when refused.
const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const receipts = new Queue(QUEUES.receipts, { connection: redis, prefix });
afterAll(() => removeTestData(redis, prefix, receipts));

const HMR = '997005562';
const ALESUND = '942953119';
const at = '2026-11-30T09:00:00.000Z';
const record = (over: Partial<MessageRecord>): MessageRecord => ({
  key: `${over.sender}:${over.id}`,
  id: 'x',
  sender: HMR,
  event: 'meldeplikt',
  state: 'acknowledged',
  attempts: 1,
  history: [],
  receivedAt: at,
  updatedAt: at,
  ...over,
});
const ledger: MessageRecord[] = [
  record({ id: 'ok-1', sourceEndpoint: 'http://dips.hmr.test/fhir' }),
  // The kommune's answer going back to HMR: the ledger's one place that names the sender.
  record({
    id: 'svar-1',
    sender: ALESUND,
    event: 'meldeplikt-svar',
    recipient: { kind: 'sender', orgnr: HMR, name: 'Helse Møre og Romsdal HF' },
  }),
];

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500 && !(await check()); i++) await new Promise((r) => setTimeout(r, 20));
}

test('one row per sender from the queue: backlog, dead, failures in a row, last success and error', async () => {
  const connection = redis.duplicate();
  const worker = new Worker(
    QUEUES.receipts,
    async (job) => {
      const key = job.data.key as string;
      if (key.endsWith(':ok-1')) return 'acknowledged';
      if (key.endsWith(':lost')) return 'no endpoint';
      if (key.startsWith(ALESUND)) throw new UnrecoverableError('the sender refused the receipt: HTTP 400');
      throw new Error('connect ECONNREFUSED 127.0.0.1:1');
    },
    {
      connection,
      prefix,
      concurrency: 1,
      // The second receipt to HMR waits a minute after its failure: it stays in the backlog.
      settings: { backoffStrategy: (_n, _t, _e, job) => (job?.data.key.endsWith(':down-2') ? 60_000 : 5) },
    }
  );
  const add = (key: string, attempts: number) =>
    receipts.add(
      'receipt',
      { key, state: 'acknowledged' },
      { jobId: `receipt_${jobIdFor(key)}_acknowledged`, attempts, backoff: { type: 'custom' } }
    );
  await add(`${HMR}:ok-1`, 3);
  await until(async () => (await receipts.getJobCountByTypes('completed')) === 1);
  await add(`${HMR}:down-1`, 2);
  await add(`${HMR}:down-2`, 5);
  await add(`${ALESUND}:refused`, 5);
  await add('944305823:lost', 5);
  await until(
    async () =>
      (await receipts.getJobCountByTypes('failed')) === 2 &&
      (await receipts.getJobCountByTypes('completed')) === 2 &&
      (await receipts.getJobCountByTypes('delayed')) === 1
  );
  await worker.close();
  connection.disconnect();
  // Added with no worker running: waiting, not yet attempted.
  await add('974633574:new', 5);

  const rows = await receiptHealthOf(receipts, ledger);
  expect(rows.map((r) => r.id)).toEqual([`receipts:org:${HMR}`, `receipts:org:${ALESUND}`, 'receipts:org:974633574']);
  const [hmr, alesund, waiting] = rows;
  expect(hmr).toMatchObject({
    kind: 'sender',
    orgnr: HMR,
    name: 'Helse Møre og Romsdal HF',
    endpoint: 'http://dips.hmr.test/fhir',
    backlog: 1,
    dead: 1,
    awaitingReceipt: 0,
    consecutiveFailures: 3,
    lastError: 'connect ECONNREFUSED 127.0.0.1:1',
  });
  expect(hmr.lastSuccessAt).toBeDefined();
  expect(hmr.lastErrorAt! > hmr.lastSuccessAt!).toBe(true);
  expect(hmr.lastAttemptAt).toBe(hmr.lastErrorAt);
  // No ledger record for it: a row all the same, without endpoint or name.
  expect(alesund).toEqual({
    id: `receipts:org:${ALESUND}`,
    kind: 'sender',
    orgnr: ALESUND,
    backlog: 0,
    awaitingReceipt: 0,
    dead: 1,
    consecutiveFailures: 1,
    lastAttemptAt: alesund.lastErrorAt,
    lastErrorAt: expect.any(String),
    lastError: 'the sender refused the receipt: HTTP 400',
  });
  expect(waiting).toMatchObject({ backlog: 1, dead: 0, consecutiveFailures: 0 });
  expect(waiting.lastAttemptAt).toBeUndefined();
  // The completed jobs are read newest first, up to the limit.
  const newest = await readReceiptJobs(receipts, { pending: 10, failed: 10, completed: 1 });
  expect(newest.filter((j) => j.status === 'completed').map((j) => j.key)).toEqual(['944305823:lost']);
});

test('a receipt sent after failures ends the run; one that found no way back is no attempt', () => {
  const rows = receiptHealth(
    [
      {
        key: `${HMR}:a`,
        status: 'failed',
        attemptsMade: 4,
        processedOn: 1000,
        finishedOn: 1001,
        failedReason: 'HTTP 503',
      },
      {
        key: `${HMR}:b`,
        status: 'completed',
        attemptsMade: 3,
        processedOn: 2000,
        finishedOn: 2001,
        returnvalue: 'acknowledged',
      },
      {
        key: `${HMR}:c`,
        status: 'completed',
        attemptsMade: 1,
        processedOn: 3000,
        finishedOn: 3001,
        returnvalue: 'no endpoint',
      },
      { key: `${ALESUND}:d`, status: 'completed', attemptsMade: 1, finishedOn: 3001, returnvalue: 'no endpoint' },
    ],
    []
  );
  expect(rows).toEqual([
    {
      id: `receipts:org:${HMR}`,
      kind: 'sender',
      orgnr: HMR,
      backlog: 0,
      awaitingReceipt: 0,
      dead: 1,
      consecutiveFailures: 0,
      lastSuccessAt: new Date(2001).toISOString(),
      lastAttemptAt: new Date(2001).toISOString(),
      lastErrorAt: new Date(1001).toISOString(),
      lastError: 'HTTP 503',
    },
  ]);
});
