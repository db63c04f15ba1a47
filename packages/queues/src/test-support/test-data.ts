import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** The end of a test file's use of Redis: its queues obliterated and closed, every key under its prefix deleted, the connection closed. */
export async function removeTestData(redis: Redis, prefix: string, ...queues: Queue[]): Promise<void> {
  for (const q of queues) {
    await q.obliterate({ force: true });
    await q.close();
  }
  const keys = await redis.keys(`${prefix}*`);
  for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
  redis.disconnect();
}
