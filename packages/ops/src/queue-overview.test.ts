import { createQueue, QUEUES } from '@ipbro/queues';
import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { queueOverview } from './queue-overview';
import { REDIS_URL } from './test-support/ledger-fixture';

const prefix = `{ipbro-test-${randomUUID().slice(0, 8)}}`;
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const settings = { firstDelayMs: 1000, ceilingMs: 60000, attempts: 3 };
const meldeplikt = createQueue(QUEUES.meldeplikt, redis, settings, prefix);
const documents = createQueue(QUEUES.documents, redis, settings, prefix);

afterAll(async () => {
  await removeTestData(redis, prefix, meldeplikt, documents);
});

test('counts per state and the oldest waiting job of each queue', async () => {
  await meldeplikt.add(
    'deliver',
    { key: '997005562:first', messageId: 'first', sender: '997005562', event: 'meldeplikt' },
    { jobId: 'first' }
  );
  await new Promise((r) => setTimeout(r, 20));
  await meldeplikt.add(
    'deliver',
    { key: '997005562:second', messageId: 'second', sender: '997005562', event: 'meldeplikt' },
    { jobId: 'second' }
  );
  await meldeplikt.add(
    'deliver',
    { key: '997005562:later', messageId: 'later', sender: '997005562', event: 'meldeplikt' },
    { jobId: 'later', delay: 60000 }
  );
  const now = Date.now() + 1000;
  const [m, d] = await queueOverview([meldeplikt, documents], now);
  expect(m).toMatchObject({
    name: 'meldeplikt',
    counts: { waiting: 2, delayed: 1, active: 0, failed: 0 },
    oldestWaitingMessageId: 'first',
  });
  expect(m.oldestWaitingMs).toBeGreaterThanOrEqual(1000);
  expect(d).toEqual({
    name: 'documents',
    counts: { waiting: 0, active: 0, delayed: 0, prioritized: 0, failed: 0, completed: 0, paused: 0 },
  });
});
