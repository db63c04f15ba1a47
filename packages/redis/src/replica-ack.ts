import type { Cluster, Redis } from 'ioredis';
import { keySlot } from './key-slot';
import type { RedisConfig } from './redis-config';
import { isCluster, type RedisConnection } from './redis-connection';

/** The writes did not reach enough replicas in time: the primary has them, but a failover now could lose them. */
export class ReplicaAckError extends Error {
  constructor(
    readonly reached: number,
    readonly wanted: number,
    timeoutMs: number
  ) {
    super(`the writes reached ${reached} of ${wanted} replica${wanted === 1 ? '' : 's'} within ${timeoutMs} ms`);
    this.name = 'ReplicaAckError';
  }
}

/**
 * Resolves once every write this connection made so far is on the configured number of replicas;
 * rejects with ReplicaAckError when they are not within the timeout, or with the connection's own
 * error when no primary answers. Call it after the writes' replies, before saying they are kept.
 */
export type ConfirmReplicated = () => Promise<void>;

export interface ReplicaAckSettings {
  /** REDIS_MIN_REPLICAS_ACK: 0 confirms at once. */
  minReplicas: number;
  /** REDIS_ACK_TIMEOUT_MS */
  timeoutMs: number;
  /** A key under the writer's prefix (QUEUE_PREFIX): on a cluster, the primary of its slot took the writes. */
  keyPrefix: string;
}

const confirmedAtOnce: ConfirmReplicated = () => Promise.resolve();

/** The primary holding `slot` as the cluster client routes to it now: the connection our writes to that slot went over. */
function ownerOf(cluster: Cluster, slot: number): Redis {
  const key = cluster.slots[slot]?.[0];
  const owner = key ? cluster.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === key) : undefined;
  if (!owner) throw new Error(`Redis Cluster: no primary known for slot ${slot}`);
  return owner;
}

/**
 * confirmReplicated for one connection: `WAIT minReplicas timeoutMs` on the connection that wrote
 * (on a cluster, its connection to the primary owning the prefix's slot). WAIT covers everything
 * the connection wrote before it, so callers share one WAIT in flight: a WAIT still unanswered when
 * a caller's writes have been answered was sent after them (replies come in order).
 */
export function replicaAck(connection: RedisConnection, settings: ReplicaAckSettings): ConfirmReplicated {
  if (settings.minReplicas <= 0) return confirmedAtOnce;
  const slot = keySlot(settings.keyPrefix);
  const inFlight = new WeakMap<Redis, Promise<number>>();
  return async () => {
    const primary = isCluster(connection) ? ownerOf(connection, slot) : connection;
    let wait = inFlight.get(primary);
    if (!wait) {
      wait = primary.wait(settings.minReplicas, settings.timeoutMs);
      inFlight.set(primary, wait);
      const done = () => inFlight.delete(primary);
      wait.then(done, done);
    }
    const reached = await wait;
    if (reached < settings.minReplicas) throw new ReplicaAckError(reached, settings.minReplicas, settings.timeoutMs);
  };
}

/**
 * replicaAck with a service's own settings, the one line a writer needs:
 * `const confirmReplicated = replicaAckFor(producer, config.redis, config.QUEUE_PREFIX);`
 */
export function replicaAckFor(
  connection: RedisConnection,
  config: Pick<RedisConfig, 'minReplicasAck' | 'ackTimeoutMs'>,
  keyPrefix: string
): ConfirmReplicated {
  return replicaAck(connection, { minReplicas: config.minReplicasAck, timeoutMs: config.ackTimeoutMs, keyPrefix });
}
