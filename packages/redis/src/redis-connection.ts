import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisConfig } from './redis-config';
import { coalesceWrites } from './write-coalescing';

/** A connection from createRedisConnection: one Redis (alone or found through Sentinel), or a Redis Cluster. */
export type RedisConnection = Redis | Cluster;

/**
 * BullMQ requires `maxRetriesPerRequest: null` for workers (their blocking commands must wait out a
 * reconnect or a failover); producers fail fast instead (`enableOfflineQueue: false`, one retry),
 * so an HTTP request is answered 503 rather than hanging while no primary is known.
 */
export type RedisRole = 'producer' | 'worker' | 'client';

const retryStrategy = (times: number): number => Math.min(50 * 2 ** times, 2000);

/** A primary demoted by a failover answers writes with READONLY: reconnect, to whichever is primary now. */
const reconnectOnError = (err: Error): boolean => err.message.startsWith('READONLY');

export function redisOptionsFor(role: RedisRole): RedisOptions {
  if (role === 'worker') return { maxRetriesPerRequest: null, enableReadyCheck: true, retryStrategy, reconnectOnError };
  if (role === 'producer')
    return {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      retryStrategy,
      reconnectOnError,
      connectTimeout: 5000,
    };
  return { maxRetriesPerRequest: 1, retryStrategy, reconnectOnError, connectTimeout: 5000 };
}

function credentials(config: RedisConfig): RedisOptions {
  return {
    ...(config.username ? { username: config.username } : {}),
    ...(config.password ? { password: config.password } : {}),
    ...(config.tls ? { tls: config.tls.ca ? { ca: config.tls.ca } : {} } : {}),
  };
}

function clusterOptions(config: RedisConfig, role: RedisRole): ClusterOptions {
  const {
    retryStrategy: _perNode,
    enableOfflineQueue,
    ...redisOptions
  } = { ...redisOptionsFor(role), ...credentials(config) };
  return {
    redisOptions,
    enableOfflineQueue: enableOfflineQueue !== false,
    enableReadyCheck: true,
    clusterRetryStrategy: retryStrategy,
    // TLS certificates name hosts; managed clusters announce IPs, so keep the name the nodes were given by.
    ...(config.tls
      ? { dnsLookup: (address: string, callback: (err: null, address: string) => void) => callback(null, address) }
      : {}),
  };
}

/**
 * The one way to connect to Redis, for every service and for BullMQ: REDIS_URL, a Sentinel-managed
 * primary (ioredis asks the sentinels, and on `+switch-master` drops the old primary at once), or a
 * Redis Cluster. The config comes from redisConfigSpec. Every connection sends a turn's commands in
 * one write (coalesceWrites).
 */
export function createRedisConnection(
  config: RedisConfig & { target: { kind: 'single' | 'sentinel' } },
  role: RedisRole
): Redis;
export function createRedisConnection(config: RedisConfig, role: RedisRole): RedisConnection;
export function createRedisConnection(config: RedisConfig, role: RedisRole): RedisConnection {
  const t = config.target;
  const options = { ...redisOptionsFor(role), ...credentials(config) };
  const connection =
    t.kind === 'cluster'
      ? new Cluster(t.nodes, clusterOptions(config, role))
      : t.kind === 'sentinel'
        ? new Redis({
            ...options,
            sentinels: t.sentinels,
            name: t.name,
            failoverDetector: true,
            ...(config.sentinelPassword ? { sentinelPassword: config.sentinelPassword } : {}),
            ...(config.tls ? { enableTLSForSentinelMode: true, sentinelTLS: options.tls } : {}),
          })
        : new Redis(t.url, options);
  // An error event without a listener would crash the process; reconnects are ioredis' job.
  connection.on('error', () => undefined);
  coalesceWrites(connection);
  return connection;
}

export function isCluster(connection: RedisConnection): connection is Cluster {
  return (connection as Cluster).isCluster;
}

/** The primaries behind a connection: itself, or every primary of the cluster (once it is ready). */
export function primariesOf(connection: RedisConnection): Redis[] {
  return isCluster(connection) ? connection.nodes('master') : [connection];
}

/** Resolves once the connection is ready (producers do not queue commands before it). */
export async function waitUntilReady(connection: RedisConnection, timeoutMs = 10000): Promise<void> {
  if (connection.status === 'ready') return;
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
      connection.off('ready', onReady);
    };
    connection.on('ready', onReady);
  });
}
