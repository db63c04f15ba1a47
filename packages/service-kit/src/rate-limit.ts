/**
 * A per-client request budget over fixed windows. A client past its budget gets 429 with
 * Retry-After (the seconds until its window ends). The Redis counter is shared by every replica;
 * the in-memory one counts per process (N replicas then allow N times the budget).
 */
export interface RateLimit {
  /** Requests per window per client; 0 turns the limit off. */
  requests: number;
  windowSeconds: number;
}

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface RateLimiter {
  take(client: string): Promise<RateDecision>;
}

/** The part of an ioredis client the Redis limiter uses. */
export interface RedisEval {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

// INCR and, for the first request of a window, its expiry, in one step; answers [count, ms left].
const TAKE = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { n, redis.call('PTTL', KEYS[1]) }`;

function windowOf(limit: RateLimit, nowMs: number): { index: number; endsMs: number } {
  const ms = limit.windowSeconds * 1000;
  const index = Math.floor(nowMs / ms);
  return { index, endsMs: (index + 1) * ms };
}

export function redisRateLimiter(redis: RedisEval, prefix: string, limit: RateLimit): RateLimiter {
  return {
    take: async (client) => {
      if (limit.requests <= 0) return { ok: true };
      const now = Date.now();
      const { index, endsMs } = windowOf(limit, now);
      const [count, ttl] = (await redis.eval(TAKE, 1, `${prefix}:rate:${client}:${index}`, endsMs - now + 1000)) as [number, number];
      if (count <= limit.requests) return { ok: true };
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(Math.min(endsMs - now, ttl > 0 ? ttl : endsMs - now) / 1000)) };
    },
  };
}

export function memoryRateLimiter(limit: RateLimit, max = 100_000): RateLimiter {
  let current = -1;
  let counts = new Map<string, number>();
  return {
    take: async (client) => {
      if (limit.requests <= 0) return { ok: true };
      const now = Date.now();
      const { index, endsMs } = windowOf(limit, now);
      if (index !== current) {
        current = index;
        counts = new Map();
      }
      // Bounded: past `max` distinct clients in one window, new ones share a single overflow count.
      const key = counts.size >= max && !counts.has(client) ? '\u0000overflow' : client;
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      if (n <= limit.requests) return { ok: true };
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((endsMs - now) / 1000)) };
    },
  };
}
