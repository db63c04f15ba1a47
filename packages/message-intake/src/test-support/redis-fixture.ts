import { ledgerKeys, MessageLedger } from '@ipbro/message-ledger';
import { createQueue, QUEUES, type DeliveryJobData } from '@ipbro/queues';
import { removeTestData } from '@ipbro/queues/src/test-support/test-data';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const FIXTURES = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'contract');

/** A contract example, parsed afresh (tests change their copies). */
export const fixture = (name: string): any => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));

/** The example's moment: the patient's age and consents are judged on this day. */
export const NOW = () => new Date('2026-11-24T12:00:00+01:00');

/** A ledger and both queues on real Redis under a prefix of their own; close() removes every key. */
export function redisFixture() {
  const prefix = `{ipbro-intake-${randomUUID().slice(0, 8)}}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const delivery = { firstDelayMs: 1000, ceilingMs: 60000, attempts: 5 };
  const queues: Record<'meldeplikt' | 'documents', Queue<DeliveryJobData>> = {
    [QUEUES.meldeplikt]: createQueue(QUEUES.meldeplikt, redis, delivery, prefix),
    [QUEUES.documents]: createQueue(QUEUES.documents, redis, delivery, prefix),
  };
  const ledger = new MessageLedger(redis, { prefix });
  return {
    prefix,
    redis,
    queues,
    ledger,
    /** Jobs in any state, over both queues. */
    jobCount: async () => {
      let n = 0;
      for (const q of Object.values(queues))
        n += await q.getJobCountByTypes('waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized');
      return n;
    },
    recordCount: async () => (await redis.keys(ledgerKeys(prefix).record('*'))).length,
    close: async () => {
      await removeTestData(redis, prefix, ...Object.values(queues));
    },
  };
}
