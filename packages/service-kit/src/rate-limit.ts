import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A per-client budget over fixed windows: requests, and body bytes when `bytes` is set. A client
 * past either gets 429 with Retry-After (the seconds until its window ends). The Redis counters are
 * shared by every replica; the in-memory ones count per process (N replicas then allow N times it).
 */
export interface RateLimit {
  /** Requests per window per client; 0 turns the request count off. */
  requests: number;
  windowSeconds: number;
  /** Body bytes per window per client; 0 or absent does not count them. */
  bytes?: number;
}

/** What one call spends: a request (default 1) and body bytes (default 0). */
export interface RateCost {
  requests?: number;
  bytes?: number;
}

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number; exhausted: 'requests' | 'bytes' };

export interface RateLimiter {
  take(client: string, cost?: RateCost): Promise<RateDecision>;
}

/** The part of an ioredis client the Redis limiter uses: its lease script defined as a command. */
export interface RedisScripting {
  defineCommand(name: string, definition: { numberOfKeys: number; lua: string }): void;
}

/** The lease script (lua/rate-lease.lua: KEYS, ARGV and reply in its header), read once; lua/ is beside both src/ and dist/. */
const LEASE = readFileSync(join(__dirname, '..', 'lua', 'rate-lease.lua'), 'utf8');

type LeaseRedis = RedisScripting & {
  ipbroRateLease(counter: string, expiryMs: number, ask: number): Promise<[count: number, ttlMs: number]>;
};

/** The lease as a command on `redis` (defineCommand: EVALSHA, loaded on first use, on the hot path), once per connection. */
function withLeaseScript(redis: RedisScripting): LeaseRedis {
  if (!('ipbroRateLease' in redis)) redis.defineCommand('ipbroRateLease', { numberOfKeys: 1, lua: LEASE });
  return redis as LeaseRedis;
}

interface Window {
  index: number;
  endsMs: number;
}

function windowOf(limit: RateLimit, nowMs: number): Window {
  const ms = limit.windowSeconds * 1000;
  const index = Math.floor(nowMs / ms);
  return { index, endsMs: (index + 1) * ms };
}

const OK: RateDecision = { ok: true };
const refusal = (exhausted: 'requests' | 'bytes', untilMs: number): RateDecision => ({
  ok: false,
  exhausted,
  retryAfterSeconds: Math.max(1, Math.ceil((untilMs - Date.now()) / 1000)),
});

interface Lease {
  index: number;
  left: number;
  /** Set once the shared budget of this window is spent: no more leases until the window ends. */
  spentUntilMs?: number;
  pending?: Promise<void>;
}

/**
 * One shared budget (`budget` per window under `key`), leased to this process in blocks. `spend`
 * answers undefined when `amount` was taken, else when the client may try again (ms since epoch).
 */
function leasedBudget(redis: LeaseRedis, key: string, budget: number, block: number) {
  let leases = new Map<string, Lease>();
  const refill = async (client: string, lease: Lease, endsMs: number, wanted: number): Promise<void> => {
    const now = Date.now();
    // A body larger than a block leases what it needs at once.
    const ask = Math.max(block, wanted);
    const [count, ttl] = await redis.ipbroRateLease(`${key}:${client}:${lease.index}`, endsMs - now + 1000, ask);
    const granted = Math.max(0, Math.min(ask, budget - (count - ask)));
    lease.left += granted;
    if (granted < ask) lease.spentUntilMs = now + Math.min(endsMs - now, ttl > 0 ? ttl : endsMs - now);
  };
  const waitForLease = async (
    client: string,
    lease: Lease,
    amount: number,
    window: Window
  ): Promise<number | undefined> => {
    while (lease.left < amount && lease.spentUntilMs === undefined) {
      // One lease request at a time per client; concurrent requests wait for it.
      lease.pending ??= refill(client, lease, window.endsMs, amount - lease.left).finally(() => {
        lease.pending = undefined;
      });
      await lease.pending;
    }
    if (lease.left >= amount) {
      lease.left -= amount;
      return undefined;
    }
    // Refused: what is left stays for this client's smaller requests.
    return lease.spentUntilMs ?? window.endsMs;
  };
  // Synchronous while the lease lasts (the common case): no promise per request.
  return (client: string, amount: number, window: Window): number | undefined | Promise<number | undefined> => {
    let lease = leases.get(client);
    if (!lease || lease.index !== window.index) {
      // Bounded: a new window starts a new map once it is large (old windows' leases are worthless).
      if (leases.size >= 100_000) leases = new Map();
      lease = { index: window.index, left: 0 };
      leases.set(client, lease);
    }
    if (lease.left >= amount) {
      lease.left -= amount;
      return undefined;
    }
    return waitForLease(client, lease, amount, window);
  };
}

/**
 * The shared budgets in Redis, leased to each process in blocks (requests: 1 % of the budget, at most
 * 100, at least 1; bytes: 1 % of the budget), so a busy client costs one Redis call per block instead
 * of one per request. Replicas never spend more than the budget between them (a lease grants only
 * what is left); what a replica leased and did not spend is lost to its client for that window.
 */
export function redisRateLimiter(
  connection: RedisScripting,
  prefix: string,
  limit: RateLimit,
  block = Math.max(1, Math.min(100, Math.floor(limit.requests / 100)))
): RateLimiter {
  const bytes = limit.bytes ?? 0;
  const redis = withLeaseScript(connection);
  const requestBudget = leasedBudget(redis, `${prefix}:rate`, limit.requests, block);
  const byteBudget = leasedBudget(redis, `${prefix}:rate-bytes`, bytes, Math.max(1, Math.floor(bytes / 100)));
  return {
    take: async (client, cost = {}) => {
      const requests = cost.requests ?? 1;
      const size = cost.bytes ?? 0;
      const window = windowOf(limit, Date.now());
      if (limit.requests > 0 && requests > 0) {
        let until = requestBudget(client, requests, window);
        if (until instanceof Promise) until = await until;
        if (until !== undefined) return refusal('requests', until);
      }
      if (bytes > 0 && size > 0) {
        let until = byteBudget(client, size, window);
        if (until instanceof Promise) until = await until;
        if (until !== undefined) return refusal('bytes', until);
      }
      return OK;
    },
  };
}

/** The budgets per process; past `max` distinct clients in one window, new ones share one overflow count. */
export function memoryRateLimiter(limit: RateLimit, max = 100_000): RateLimiter {
  let current = -1;
  let counts = new Map<string, { requests: number; bytes: number }>();
  return {
    take: async (client, cost = {}) => {
      const requests = cost.requests ?? 1;
      const size = cost.bytes ?? 0;
      const now = Date.now();
      const { index, endsMs } = windowOf(limit, now);
      if (index !== current) {
        current = index;
        counts = new Map();
      }
      const key = counts.size >= max && !counts.has(client) ? '\u0000overflow' : client;
      let used = counts.get(key);
      if (!used) counts.set(key, (used = { requests: 0, bytes: 0 }));
      if (limit.requests > 0 && requests > 0) {
        used.requests += requests;
        if (used.requests > limit.requests) return refusal('requests', endsMs);
      }
      if (limit.bytes && size > 0) {
        // Refused bytes are not counted: a body too large for what is left leaves room for smaller ones.
        if (used.bytes + size > limit.bytes) return refusal('bytes', endsMs);
        used.bytes += size;
      }
      return OK;
    },
  };
}
