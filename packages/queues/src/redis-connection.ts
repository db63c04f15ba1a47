import { Redis, type RedisOptions } from 'ioredis';
import { coalesceWrites } from './write-coalescing';

/**
 * The one Redis connection factory. BullMQ requires `maxRetriesPerRequest: null` for workers (their
 * blocking commands must wait out a reconnect); producers fail fast instead (`enableOfflineQueue:
 * false`, one retry) so an HTTP request is answered 503 rather than hanging while Redis is down.
 * Every connection sends a turn's commands in one write (coalesceWrites).
 */
export type RedisRole = 'producer' | 'worker' | 'client';

export function redisOptionsFor(role: RedisRole): RedisOptions {
  const retryStrategy = (times: number): number => Math.min(50 * 2 ** times, 2000);
  if (role === 'worker') return { maxRetriesPerRequest: null, enableReadyCheck: true, retryStrategy };
  if (role === 'producer') return { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy, connectTimeout: 5000 };
  return { maxRetriesPerRequest: 1, retryStrategy, connectTimeout: 5000 };
}

export function createRedisConnection(url: string, role: RedisRole): Redis {
  const redis = new Redis(url, redisOptionsFor(role));
  // An error event without a listener would crash the process; reconnects are ioredis' job.
  redis.on('error', () => undefined);
  coalesceWrites(redis);
  return redis;
}

/** Resolves once the connection is ready (producers do not queue commands before it). */
export async function waitUntilReady(redis: Redis, timeoutMs = 10000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis did not become ready within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}
