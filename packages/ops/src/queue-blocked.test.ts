import { createQueue, QUEUES } from '@ipbro/queues';
import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { queueOverview } from './queue-overview';
import { REDIS_URL } from './test-support/ledger-fixture';

const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const documents = createQueue(QUEUES.documents, redis, { firstDelayMs: 1000, ceilingMs: 60000, attempts: 1 }, prefix);
afterAll(() => removeTestData(redis, prefix, documents));

test('failed jobs of messages a consent blocked are counted apart, not as failed', async () => {
  // The courier ends a blocked message's job as it ends a rejected one: failed, for good.
  const connection = redis.duplicate();
  const worker = new Worker(
    QUEUES.documents,
    async (job) => {
      throw new UnrecoverableError(
        job.data.key.endsWith('blocked') ? 'consent: no taushetsplikt-fritak names Molde kommune' : 'HTTP 400'
      );
    },
    { connection, prefix }
  );
  for (const id of ['p-blocked', 'p-rejected', 'q-blocked']) {
    await documents.add(
      'ip-plan-copy',
      { key: `942953119:${id}`, messageId: id, sender: '942953119', event: 'ip-plan-copy' },
      { jobId: id }
    );
  }
  for (let i = 0; i < 200 && (await documents.getJobCountByTypes('failed')) < 3; i++)
    await new Promise((r) => setTimeout(r, 20));
  await worker.close();
  connection.disconnect();
  const blocked = new Set(['942953119:p-blocked', '942953119:q-blocked']);
  const [seen] = await queueOverview([documents], Date.now(), (key) => blocked.has(key));
  expect(seen.counts).toMatchObject({ failed: 1, blocked: 2 });
  // Without the ledger's word, BullMQ's count as it is.
  const [raw] = await queueOverview([documents]);
  expect(raw.counts.failed).toBe(3);
  expect(raw.counts.blocked).toBeUndefined();
});
