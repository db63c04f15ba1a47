import { createRedisConnection, singleRedisConfig, waitUntilReady } from '@ipbro/redis';
import { Worker, type Job } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { BACKOFF_STRATEGY } from './backoffs';
import { deliveryJobData, type DeliveryJobData } from './job-data';
import { QUEUES } from './queue-names';
import {
  createQueue,
  createWorker,
  deliveryJobOptions,
  KEEP_COMPLETED_SECONDS,
  KEEP_FAILED_SECONDS,
  resolveAttempts,
} from './queues';
import { removeTestData } from './test-support/test-data';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `{ipbro-queues-test-${randomUUID().slice(0, 8)}}`;
const redis = createRedisConnection(singleRedisConfig(REDIS_URL), 'worker');

afterAll(async () => {
  await removeTestData(redis, prefix);
});

const data = (id: string): DeliveryJobData =>
  deliveryJobData({
    key: `997005562:${id}`,
    messageId: id,
    event: 'meldeplikt',
    sender: '997005562',
    homeKommune: '1508',
  });

function until<T>(register: (done: (v: T) => void) => void, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    register((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}

test('default job options: attempts for 24 h unless set, the capped strategy, finished jobs aged out', () => {
  expect(deliveryJobOptions({ firstDelayMs: 1000, ceilingMs: 3600000, attempts: 0 })).toEqual({
    attempts: 36,
    backoff: { type: BACKOFF_STRATEGY },
    removeOnComplete: { age: KEEP_COMPLETED_SECONDS, count: 10000 },
    removeOnFail: { age: KEEP_FAILED_SECONDS },
  });
  expect(resolveAttempts({ firstDelayMs: 1000, ceilingMs: 3600000, attempts: 5 })).toBe(5);
  expect(() => resolveAttempts({ firstDelayMs: 0, ceilingMs: 3600000, attempts: 5 })).toThrow('first retry delay');
});

test('a failing job is retried with doubling delays capped at the ceiling, then fails for good', async () => {
  const settings = { firstDelayMs: 100, ceilingMs: 250, attempts: 4 };
  const queue = createQueue(QUEUES.meldeplikt, redis, settings, prefix);
  const runs: number[] = [];
  const worker = createWorker(
    QUEUES.meldeplikt,
    async () => {
      runs.push(Date.now());
      throw new Error('kommune answered 503');
    },
    redis,
    settings,
    { concurrency: 1 },
    prefix
  );
  const delays: number[] = [];
  try {
    const finalState = until<string>(
      (done) => {
        worker.on('failed', async (job?: Job<DeliveryJobData>) => {
          if (!job) return;
          const stored = await queue.getJob(job.id!);
          const state = await stored!.getState();
          if (state === 'delayed')
            delays.push(stored!.delay); // the backoff BullMQ scheduled
          else done(state);
        });
      },
      10000,
      'the last attempt'
    );
    await queue.add('deliver', data('m-retry'), { jobId: '997005562_m-retry' });
    expect(await finalState).toBe('failed');
    expect(runs).toHaveLength(4);
    expect(delays).toEqual([100, 200, 250]);
    // and BullMQ did wait them out
    runs.slice(1).forEach((t, i) => expect(t - runs[i]).toBeGreaterThanOrEqual(delays[i] - 5));
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
});

test('a job whose worker died mid-run (lock not renewed) is picked up again by another worker', async () => {
  const settings = { firstDelayMs: 100, ceilingMs: 1000, attempts: 3 };
  const queue = createQueue(QUEUES.documents, redis, settings, prefix);
  // The dying worker: takes the job and vanishes without finishing it, as after a SIGKILL.
  const dyingConnection = createRedisConnection(singleRedisConfig(REDIS_URL), 'worker');
  const dying = new Worker<DeliveryJobData>(QUEUES.documents, null, {
    connection: dyingConnection,
    prefix,
    lockDuration: 400,
  });
  await queue.add('deliver', data('m-stalled'), { jobId: '997005562_m-stalled' });
  const taken = await dying.getNextJob('dying-token');
  expect(taken?.id).toBe('997005562_m-stalled');
  expect(await taken!.getState()).toBe('active');
  dyingConnection.disconnect(); // no lock renewal, no completion, no close()

  const processed: string[] = [];
  const survivor = createWorker(
    QUEUES.documents,
    async (job) => {
      processed.push(job.data.key);
    },
    redis,
    settings,
    { lockDuration: 400, stalledInterval: 200 },
    prefix
  );
  try {
    const completed = until<string>(
      (done) => survivor.on('completed', (job) => done(job.id!)),
      10000,
      'the stalled job to be run again'
    );
    expect(await completed).toBe('997005562_m-stalled');
    expect(processed).toEqual(['997005562:m-stalled']);
  } finally {
    await survivor.close();
    await dying.close(true).catch(() => undefined);
    await queue.obliterate({ force: true });
    await queue.close();
  }
});

test('the same job id is queued once, however often it is added', async () => {
  const producer = createRedisConnection(singleRedisConfig(REDIS_URL), 'producer');
  await waitUntilReady(producer);
  const queue = createQueue(
    QUEUES.meldeplikt,
    producer,
    { firstDelayMs: 1000, ceilingMs: 3600000, attempts: 0 },
    `${prefix}-once`
  );
  try {
    for (let i = 0; i < 3; i++) await queue.add('deliver', data('m-once'), { jobId: '997005562_m-once' });
    expect(await queue.getJobCounts('waiting', 'delayed', 'active')).toMatchObject({
      waiting: 1,
      delayed: 0,
      active: 0,
    });
    const job = await queue.getJob('997005562_m-once');
    expect(job?.opts.attempts).toBe(36);
    expect(job?.data).toEqual(data('m-once'));
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
    producer.disconnect();
  }
});
