import { auditTrailFromConfig, type AuditTrail } from '@ipbro/audit';
import { outboundTokenSource, type OutboundTokenConfig } from '@ipbro/client-credentials';
import { Directory, type ResolvedRecipient } from '@ipbro/directory';
import { bodyCipherFromConfig, type BodyCipherLike } from '@ipbro/message-ledger';
import { assertNoEviction, createRedisConnection, replicaAckFor, waitUntilReady } from '@ipbro/redis';
import type { ConfirmReplicated, RedisConfig, RedisConnection } from '@ipbro/redis';
import { createServiceApp, type Logger, type ServiceApp } from '@ipbro/service-kit';

/** The settings every delivery worker reads alike (the router's and the courier's). */
export type WorkerWiringConfig = OutboundTokenConfig & {
  redis: RedisConfig;
  QUEUE_PREFIX: string;
  DIRECTORY_FILE: string;
  IPBRO_ENCRYPTION_KEY: Buffer;
  IPBRO_ENCRYPTION_PREVIOUS_KEYS?: string;
  AUDIT_HMAC_KEY?: Buffer;
};

/** What a delivery worker's wiring makes before the worker itself, each to be passed down explicitly. */
export interface WorkerWiring {
  /** Connection for the queue, the ledger and the audit trail. */
  producer: RedisConnection;
  /** The worker's own (blocking) connection. */
  workerConnection: RedisConnection;
  directory: Directory;
  cipher?: BodyCipherLike;
  audit: AuditTrail;
  /** Outbound tokens for recipients that require one; absent without DELIVERY_TOKEN_URL. */
  tokenFor?: (recipient: ResolvedRecipient) => Promise<string | undefined>;
  /** The replica wait after a delivery's final or handed-on move; absent with REDIS_MIN_REPLICAS_ACK 0 (no extra call). */
  confirmReplicated?: ConfirmReplicated;
  /** The HTTP side: /healthz, /readyz (Redis and the directory), /metrics. */
  kit: ServiceApp;
  /** Lets go of the directory watch and the connections (once the worker has closed). */
  release(): Promise<void>;
}

/**
 * The part of a delivery worker's wiring the router and the courier share: Redis connections (a
 * Redis that may evict is refused: evicted keys would lose accepted messages silently), the
 * directory, the body cipher, the audit trail, outbound tokens and the service app.
 */
export async function wireDeliveryWorker(
  name: string,
  config: WorkerWiringConfig,
  logger: Logger
): Promise<WorkerWiring> {
  const producer = createRedisConnection(config.redis, 'client');
  const workerConnection = createRedisConnection(config.redis, 'worker');
  await waitUntilReady(producer);
  await assertNoEviction(producer);
  const directory = Directory.fromFile(config.DIRECTORY_FILE, { logger });
  const cipher = bodyCipherFromConfig(config.IPBRO_ENCRYPTION_KEY, config.IPBRO_ENCRYPTION_PREVIOUS_KEYS);
  const tokenSource = outboundTokenSource(config);
  const kit = createServiceApp({
    name,
    logger,
    readiness: [
      {
        name: 'redis',
        check: async () => {
          await producer.ping();
        },
      },
      { name: 'directory', check: async () => (directory.loaded ? undefined : 'not loaded') },
    ],
  });
  const confirmReplicated = workerReplicaAck(producer, config);
  return {
    producer,
    workerConnection,
    directory,
    kit,
    ...(confirmReplicated ? { confirmReplicated } : {}),
    audit: auditTrailFromConfig(producer, config, { logger, source: name }),
    ...(cipher ? { cipher } : {}),
    ...(tokenSource ? { tokenFor: async () => tokenSource() } : {}),
    release: async () => {
      directory.close();
      await Promise.allSettled([producer.quit(), workerConnection.quit()]);
    },
  };
}

/**
 * The delivery step's replica wait on the connection its ledger writes go over (WAIT covers that
 * connection's writes); none when REDIS_MIN_REPLICAS_ACK is 0, so the step makes no call at all.
 */
export function workerReplicaAck(
  producer: RedisConnection,
  config: Pick<WorkerWiringConfig, 'redis' | 'QUEUE_PREFIX'>
): ConfirmReplicated | undefined {
  return config.redis.minReplicasAck > 0 ? replicaAckFor(producer, config.redis, config.QUEUE_PREFIX) : undefined;
}
