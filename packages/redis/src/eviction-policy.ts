import type { Redis } from 'ioredis';
import { primariesOf, type RedisConnection } from './redis-connection';

/** Why a policy other than noeviction is refused: Redis may then drop queue keys and lose messages. */
export function evictionProblem(policy: string): string | undefined {
  if (policy === 'noeviction') return undefined;
  return (
    `Redis maxmemory-policy is ${policy}: it may evict queue keys and lose messages; ` +
    'set it to noeviction (redis-cli CONFIG SET maxmemory-policy noeviction, and in redis.conf)'
  );
}

/** Reads one server's maxmemory-policy (CONFIG GET, or INFO memory where CONFIG is disabled). */
export async function readEvictionPolicy(redis: Redis): Promise<string> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    if (reply?.[1]) return reply[1];
  } catch {
    // CONFIG may be renamed or disabled on managed Redis; INFO says it too.
  }
  const info = await redis.info('memory');
  const match = /maxmemory_policy:(\S+)/.exec(info);
  if (!match) throw new Error('Could not read Redis maxmemory-policy');
  return match[1];
}

/**
 * At start: refuse to run on a Redis that can evict queue keys, saying why. It asks whatever
 * answers for writes: the primary (on Sentinel, the one the sentinels name now), or every primary
 * of a cluster (a slot may move to any of them).
 */
export async function assertNoEviction(connection: RedisConnection): Promise<void> {
  for (const primary of primariesOf(connection)) {
    const problem = evictionProblem(await readEvictionPolicy(primary));
    if (problem) {
      const where =
        primariesOf(connection).length > 1 ? ` (primary ${primary.options.host}:${primary.options.port})` : '';
      throw new Error(problem + where);
    }
  }
}
