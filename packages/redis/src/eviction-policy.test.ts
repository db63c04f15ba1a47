import { assertNoEviction, evictionProblem, readEvictionPolicy } from './eviction-policy';
import { singleRedisConfig } from './redis-config';
import { createRedisConnection, primariesOf } from './redis-connection';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

test('only noeviction is accepted, and the refusal says why', () => {
  expect(evictionProblem('noeviction')).toBeUndefined();
  for (const p of [
    'allkeys-lru',
    'volatile-lru',
    'allkeys-random',
    'volatile-ttl',
    'allkeys-lfu',
    'volatile-lfu',
    'volatile-random',
  ]) {
    expect(evictionProblem(p)).toMatch(
      new RegExp(`^Redis maxmemory-policy is ${p}: it may evict queue keys and lose messages; set it to noeviction`)
    );
  }
});

test('reads the real server and refuses once its policy can evict', async () => {
  const redis = createRedisConnection(singleRedisConfig(REDIS_URL), 'client');
  try {
    const before = await readEvictionPolicy(primariesOf(redis)[0]);
    expect(typeof before).toBe('string');
    if (before !== 'noeviction') return await expect(assertNoEviction(redis)).rejects.toThrow('may evict queue keys');
    await expect(assertNoEviction(redis)).resolves.toBeUndefined();
    await redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      await expect(assertNoEviction(redis)).rejects.toThrow('Redis maxmemory-policy is allkeys-lru');
    } finally {
      await redis.config('SET', 'maxmemory-policy', before);
    }
  } finally {
    redis.disconnect();
  }
});
