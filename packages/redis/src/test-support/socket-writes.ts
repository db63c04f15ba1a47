import type { Redis } from 'ioredis';

/** Counts the writes the connection's current socket hands to the OS layer (net.Socket's _write and _writev). */
export function countSocketWrites(redis: Redis): { writes: () => number } {
  const socket = redis.stream as unknown as { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
  let writes = 0;
  for (const name of ['_write', '_writev'] as const) {
    const original = socket[name];
    socket[name] = function (this: unknown, ...args: unknown[]) {
      writes++;
      return original.apply(this, args);
    };
  }
  return { writes: () => writes };
}

/** 50 commands started in one turn under `prefix`, each reading back the value the one before it wrote. */
export async function fiftyInOneTurn(redis: Pick<Redis, 'set' | 'get'>, prefix: string): Promise<string[]> {
  const key = `${prefix}:n:${Math.random()}`;
  return Promise.all(
    Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? redis.set(key, String(i)) : redis.get(key)))
  ) as Promise<string[]>;
}

/** What fiftyInOneTurn answers. */
export const FIFTY_REPLIES = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? 'OK' : String(i - 1)));
