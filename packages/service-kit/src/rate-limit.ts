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

// INCRBY a lease and, for the first lease of a window, its expiry, in one step; answers [count, ms left].
const LEASE = `local n = redis.call('INCRBY', KEYS[1], ARGV[2])
if n == tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { n, redis.call('PTTL', KEYS[1]) }`;

function windowOf(limit: RateLimit, nowMs: number): { index: number; endsMs: number } {
  const ms = limit.windowSeconds * 1000;
  const index = Math.floor(nowMs / ms);
  return { index, endsMs: (index + 1) * ms };
}

interface Lease {
  index: number;
  left: number;
  /** Set once the shared budget of this window is spent: the answer until the window ends. */
  spentUntilMs?: number;
  pending?: Promise<void>;
}

/**
 * The shared budget in Redis, leased to each process in blocks (default: 1 % of the budget, at most
 * 100, at least 1), so a busy client costs one Redis call per block instead of one per request.
 * Replicas never spend more than the budget between them (a lease grants only what is left); what
 * a replica leased and did not spend is lost to its client for the rest of that window.
 */
export function redisRateLimiter(redis: RedisEval, prefix: string, limit: RateLimit, block = Math.max(1, Math.min(100, Math.floor(limit.requests / 100)))): RateLimiter {
  let leases = new Map<string, Lease>();
  const refill = async (client: string, lease: Lease, endsMs: number): Promise<void> => {
    const now = Date.now();
    const [count, ttl] = (await redis.eval(LEASE, 1, `${prefix}:rate:${client}:${lease.index}`, endsMs - now + 1000, block)) as [number, number];
    const granted = Math.max(0, Math.min(block, limit.requests - (count - block)));
    lease.left += granted;
    if (granted === 0) lease.spentUntilMs = now + Math.min(endsMs - now, ttl > 0 ? ttl : endsMs - now);
  };
  return {
    take: async (client) => {
      if (limit.requests <= 0) return { ok: true };
      const { index, endsMs } = windowOf(limit, Date.now());
      let lease = leases.get(client);
      if (!lease || lease.index !== index) {
        // Bounded: a new window starts a new map once it is large (old windows' leases are worthless).
        if (leases.size >= 100_000) leases = new Map();
        lease = { index, left: 0 };
        leases.set(client, lease);
      }
      while (lease.left <= 0 && lease.spentUntilMs === undefined) {
        // One lease request at a time per client; concurrent requests wait for it.
        const current = lease;
        current.pending ??= refill(client, current, endsMs).finally(() => {
          current.pending = undefined;
        });
        await current.pending;
      }
      if (lease.left > 0) {
        lease.left--;
        return { ok: true };
      }
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(((lease.spentUntilMs ?? endsMs) - Date.now()) / 1000)) };
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
