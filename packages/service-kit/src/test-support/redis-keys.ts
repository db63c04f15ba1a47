import type { Redis } from 'ioredis';

/**
 * The end of a test file's use of Redis: every key under its prefix deleted, the connection closed.
 * (@ipbro/queues' removeTestData also closes queues; service-kit cannot depend on it: queues depends
 * on @ipbro/redis, which depends on service-kit.)
 */
export async function removeKeys(redis: Redis, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}*`);
  for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
  redis.disconnect();
}
