import { auditTrailFromConfig, type AuditTrail } from '@ipbro/audit';
import { outboundTokenSource, type OutboundTokenConfig } from '@ipbro/client-credentials';
import { Directory, type ResolvedRecipient } from '@ipbro/directory';
import { bodyCipherFromConfig, type BodyCipherLike } from '@ipbro/message-ledger';
import { assertNoEviction, createRedisConnection, waitUntilReady, type RedisConfig, type RedisConnection } from '@ipbro/redis';
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
export async function wireDeliveryWorker(name: string, config: WorkerWiringConfig, logger: Logger): Promise<WorkerWiring> {
  const producer = createRedisConnection(config.redis, 'client');
  const workerConnection = createRedisConnection(config.redis, 'worker');
  await waitUntilReady(producer);
  await assertNoEviction(producer);
  const directory = Directory.fromFile(config.DIRECTORY_FILE, { logger });
  const cipher = bodyCipherFromConfig(config.IPBRO_ENCRYPTION_KEY, config.IPBRO_ENCRYPTION_PREVIOUS_KEYS);
  const tokenSource = outboundTokenSource(config);
  const kit = createServiceApp({
    name, logger,
    readiness: [
      { name: 'redis', check: async () => { await producer.ping(); } },
      { name: 'directory', check: async () => (directory.loaded ? undefined : 'not loaded') },
    ],
  });
  return {
    producer, workerConnection, directory, kit,
    audit: auditTrailFromConfig(producer, config, { logger, source: name }),
    ...(cipher ? { cipher } : {}),
    ...(tokenSource ? { tokenFor: async () => tokenSource() } : {}),
    release: async () => {
      directory.close();
      await Promise.allSettled([producer.quit(), workerConnection.quit()]);
    },
  };
}
