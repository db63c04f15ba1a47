import { ConfigError, read, type Env, type Reader } from '@ipbro/service-kit';
import { readFileSync } from 'node:fs';
import { hashTagOf } from './key-slot';

export interface HostPort {
  host: string;
  port: number;
}

/** Where Redis is: one server, a primary found through Sentinel, or a Redis Cluster. */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'sentinel'; sentinels: HostPort[]; name: string }
  | { kind: 'cluster'; nodes: HostPort[] };

export interface RedisConfig {
  target: RedisTarget;
  username?: string;
  password?: string;
  /** Sentinels may have a password of their own (their `requirepass`); unset, none is sent to them. */
  sentinelPassword?: string;
  /** Set: TLS to Redis (and to the sentinels), trusting `ca` besides the system's CAs when given. */
  tls?: { ca?: string };
  /** Replicas a write must reach before it counts (WAIT); 0: the primary's answer is enough. */
  minReplicasAck: number;
  /** How long a writer waits for those replicas before it gives up (and answers 503). */
  ackTimeoutMs: number;
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_ACK_TIMEOUT_MS = 1000;
const WHERE = ['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_CLUSTER_NODES'] as const;

function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

/** `host:port,host:port` (IPv6 in brackets); a missing port is Redis' usual one for that kind of node. */
export function parseHostPorts(name: string, text: string, defaultPort: number): HostPort[] {
  return text.split(',').map((item) => {
    const match = /^(?:\[([^\]]+)\]|([^:\s[\]]+))(?::(\d{1,5}))?$/.exec(item.trim());
    const port = Number(match?.[3] ?? defaultPort);
    if (!match || port < 1 || port > 65535) {
      throw new ConfigError(
        `${name} must be comma-separated host:port (e.g. redis-0:${defaultPort},redis-1:${defaultPort}), ` +
          `got ${JSON.stringify(item.trim())}`
      );
    }
    return { host: match[1] ?? match[2], port };
  });
}

function targetFrom(env: Env): RedisTarget {
  const given = WHERE.filter((n) => value(env, n));
  if (given.length > 1)
    throw new ConfigError(`Set one of REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES, not ${given.join(' and ')}`);
  const sentinelName = value(env, 'REDIS_SENTINEL_NAME');
  if (given[0] !== 'REDIS_SENTINELS') {
    for (const n of ['REDIS_SENTINEL_NAME', 'REDIS_SENTINEL_PASSWORD']) {
      if (value(env, n)) throw new ConfigError(`${n} is for Sentinel: set REDIS_SENTINELS too, or leave ${n} unset`);
    }
  }
  if (given[0] === 'REDIS_SENTINELS') {
    if (!sentinelName)
      throw new ConfigError(
        'REDIS_SENTINEL_NAME is required with REDIS_SENTINELS (the name the sentinels monitor the primary by)'
      );
    return {
      kind: 'sentinel',
      sentinels: parseHostPorts('REDIS_SENTINELS', value(env, 'REDIS_SENTINELS')!, 26379),
      name: sentinelName,
    };
  }
  if (given[0] === 'REDIS_CLUSTER_NODES') {
    const prefix = value(env, 'QUEUE_PREFIX') ?? '{ipbro}';
    if (!hashTagOf(prefix))
      throw new ConfigError(
        `QUEUE_PREFIX must hold a hash tag such as {ipbro} on Redis Cluster (every key in one slot), got ${JSON.stringify(prefix)}`
      );
    return { kind: 'cluster', nodes: parseHostPorts('REDIS_CLUSTER_NODES', value(env, 'REDIS_CLUSTER_NODES')!, 6379) };
  }
  return { kind: 'single', url: read.url(DEFAULT_REDIS_URL, ['redis:', 'rediss:'])('REDIS_URL', env) };
}

function tlsFrom(env: Env, target: RedisTarget): RedisConfig['tls'] {
  const flag = read.optional(read.oneOf(['true', 'false'] as const))('REDIS_TLS', env);
  const rediss = target.kind === 'single' && target.url.startsWith('rediss:');
  if (rediss && flag === 'false')
    throw new ConfigError('REDIS_TLS is false but REDIS_URL is a rediss: (TLS) URL; drop one of them');
  const caFile = read.optional(read.file())('REDIS_TLS_CA_FILE', env);
  if (caFile && !(flag === 'true' || rediss))
    throw new ConfigError('REDIS_TLS_CA_FILE is set but TLS is off: set REDIS_TLS=true (or a rediss: REDIS_URL)');
  if (!(flag === 'true' || rediss)) return undefined;
  return caFile ? { ca: readFileSync(caFile, 'utf8') } : {};
}

/**
 * REDIS_URL, or REDIS_SENTINELS with REDIS_SENTINEL_NAME, or REDIS_CLUSTER_NODES; REDIS_USERNAME,
 * REDIS_PASSWORD, REDIS_SENTINEL_PASSWORD, REDIS_TLS, REDIS_TLS_CA_FILE; REDIS_MIN_REPLICAS_ACK
 * (default 1 on Sentinel or Cluster, where a replica is the point; 0 on one Redis) and
 * REDIS_ACK_TIMEOUT_MS. A combination that cannot work is refused with one line saying why.
 */
export const readRedisConfig: Reader<RedisConfig> = (_name, env) => {
  const target = targetFrom(env);
  const password = value(env, 'REDIS_PASSWORD');
  if (target.kind === 'single' && password && new URL(target.url).password) {
    throw new ConfigError('REDIS_URL holds a password and REDIS_PASSWORD is set too; give it once');
  }
  const username = value(env, 'REDIS_USERNAME');
  const sentinelPassword = value(env, 'REDIS_SENTINEL_PASSWORD');
  const tls = tlsFrom(env, target);
  const minReplicasAck = read.int(target.kind === 'single' ? 0 : 1, 0)('REDIS_MIN_REPLICAS_ACK', env);
  const ackTimeoutMs = read.int(DEFAULT_ACK_TIMEOUT_MS, 1)('REDIS_ACK_TIMEOUT_MS', env);
  return {
    target,
    minReplicasAck,
    ackTimeoutMs,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    ...(sentinelPassword ? { sentinelPassword } : {}),
    ...(tls ? { tls } : {}),
  };
};

/** A single Redis at `url` with no replicas to wait for: what tests and benches connect to. */
export function singleRedisConfig(url: string): RedisConfig & { target: { kind: 'single' } } {
  return { target: { kind: 'single', url }, minReplicasAck: 0, ackTimeoutMs: DEFAULT_ACK_TIMEOUT_MS };
}

/** The Redis settings as a spec to spread into a service's: `loadConfig({ ...redisConfigSpec, … }).redis`. */
export const redisConfigSpec = { redis: readRedisConfig };

/** Where a config points, for logs and errors (never the password). */
export function describeRedis(config: RedisConfig): string {
  const t = config.target;
  if (t.kind === 'sentinel') return `Sentinel ${t.name} via ${t.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}`;
  if (t.kind === 'cluster') return `Redis Cluster via ${t.nodes.map((s) => `${s.host}:${s.port}`).join(',')}`;
  const u = new URL(t.url);
  return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
}
