import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { addHeldJob } from './held-job';
import { removeTestData } from './test-support/test-data';

const prefix = `{ipbro-held-${randomUUID().slice(0, 8)}}`;
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
const queue = new Queue<{ n: number }>('held', { connection: redis, prefix });
afterAll(() => removeTestData(redis, prefix, queue));

test('a held job waits until it is released; racing adders add one job; a second release finds nothing to do', async () => {
  const first = await addHeldJob(queue, 'deliver', { n: 1 }, 'm-1_q1');
  const second = await addHeldJob(queue, 'deliver', { n: 2 }, 'm-1_q1');
  expect(await queue.getJobCounts('delayed', 'waiting')).toMatchObject({ delayed: 1, waiting: 0 });
  expect(await first.release()).toBe(true);
  expect(await queue.getJobCounts('delayed', 'waiting')).toMatchObject({ delayed: 0, waiting: 1 });
  expect(await second.release()).toBe(false);
  const [job] = await queue.getJobs(['waiting']);
  expect(job).toMatchObject({ id: 'm-1_q1', data: { n: 1 } });
});

test('a job nobody releases (its adder died) runs when the hold ends', async () => {
  await queue.obliterate({ force: true });
  const ran: { n: number; at: number }[] = [];
  const connection = redis.duplicate();
  const worker = new Worker<{ n: number }>('held', async (job) => void ran.push({ n: job.data.n, at: Date.now() }), {
    connection,
    prefix,
  });
  try {
    const added = Date.now();
    await addHeldJob(queue, 'deliver', { n: 3 }, 'm-2_q1', 300);
    for (let i = 0; i < 100 && ran.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(ran).toHaveLength(1);
    expect(ran[0].n).toBe(3);
    expect(ran[0].at - added).toBeGreaterThanOrEqual(300);
  } finally {
    await worker.close();
    connection.disconnect();
  }
});
