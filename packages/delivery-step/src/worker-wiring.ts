import { auditTrailFromConfig, type AuditPort, type AuditTrail } from '@ipbro/audit';
import { outboundTokenSource } from '@ipbro/client-credentials';
import { Directory, type ResolvedRecipient } from '@ipbro/directory';
import { bodyCipherFromConfig, DEFAULT_PREFIX, MessageLedger, type BodyCipherLike } from '@ipbro/message-ledger';
import { resolveAttempts, type DeliverySettings } from '@ipbro/queues';
import { assertNoEviction, createRedisConnection, replicaAckFor, waitUntilReady } from '@ipbro/redis';
import type { ConfirmReplicated, RedisConfig, RedisConnection } from '@ipbro/redis';
import { createServiceApp, deliverySettingsOf, type Logger, type ServiceApp } from '@ipbro/service-kit';
import type { WiredService } from '@ipbro/service-kit';
import type { Registry } from 'prom-client';
import { DEFAULT_DEFER_AFTER_MS } from './deferral';
import type { DeliveryStepDeps } from './delivery-step';
import type { DeliveryWorker } from './delivery-worker';
import { RecipientLimit } from './recipient-limit';
import type { DeliveryWorkerConfig } from './worker-settings';

/** The settings every delivery worker reads alike (the router's and the courier's). */
export type WorkerWiringConfig = Omit<DeliveryWorkerConfig, 'worker'>;

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
  config: { redis: RedisConfig; QUEUE_PREFIX: string }
): ConfirmReplicated | undefined {
  return config.redis.minReplicasAck > 0 ? replicaAckFor(producer, config.redis, config.QUEUE_PREFIX) : undefined;
}

/**
 * What the router and the courier take alike: the wiring's parts and the worker settings, each
 * passed down explicitly (tests give only what they need; the defaults are the worker's own).
 */
export interface DeliveryServiceOptions {
  /** Connection for the queues, the ledger and the audit trail. */
  producer: RedisConnection;
  /** The workers' own (blocking) connection. */
  workerConnection: RedisConnection;
  directory: Directory;
  logger: Logger;
  delivery: DeliverySettings & { timeoutMs: number };
  prefix?: string;
  /** Message bodies at rest (IPBRO_ENCRYPTION_KEY): the gateway's cipher. */
  cipher?: BodyCipherLike;
  /** The audit trail of attempts, outcomes and re-drives. */
  audit?: AuditPort;
  /** How long a job is locked to its worker; a SIGKILLed worker's job is taken over after about this. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Deliveries in progress at once. */
  concurrency?: number;
  /** Exchanges in flight with one recipient at once, whatever the concurrency: a slow one leaves the other slots to the rest. */
  concurrencyPerRecipient?: number;
  /**
   * A delivery whose recipient is busy for longer than this (ms) goes back to the queue for about that
   * long instead of holding a slot (default DEFAULT_DEFER_AFTER_MS; see DeliveryStepDeps.deferAfterMs).
   */
  deferAfterMs?: number;
  /** How often unroutable messages are looked at again, besides directory reloads (default 60 s). */
  sweepMs?: number;
  /** close(): how long in-flight deliveries may take before the worker is closed anyway (default 20 s). */
  closeTimeoutMs?: number;
  tokenFor?: WorkerWiring['tokenFor'];
  /** REDIS_MIN_REPLICAS_ACK > 0: the replica wait on `producer` before a final or handed-on job completes. */
  confirmReplicated?: ConfirmReplicated;
  /** Where the worker's metrics are counted. */
  registry?: Registry;
}

/** The step dependencies every delivery service's step takes, with the directory and the request timeout. */
export type ServiceStepDeps = DeliveryStepDeps & {
  directory: Directory;
  timeoutMs: number;
  recipientLimit: RecipientLimit;
};

/**
 * What a delivery service builds alike from its options before its worker: the key prefix, the
 * ledger on `producer` (with the cipher) and its step's dependencies; `concurrencyPerRecipient` is
 * the service's default for its recipient limit.
 */
export function serviceStepDeps(
  o: DeliveryServiceOptions,
  defaults: { concurrencyPerRecipient: number }
): { prefix: string; ledger: MessageLedger; deps: ServiceStepDeps } {
  const prefix = o.prefix ?? DEFAULT_PREFIX;
  const ledger = new MessageLedger(o.producer, { prefix, ...(o.cipher ? { cipher: o.cipher } : {}) });
  const deps: ServiceStepDeps = {
    ledger,
    directory: o.directory,
    timeoutMs: o.delivery.timeoutMs,
    maxAttempts: resolveAttempts(o.delivery),
    recipientLimit: new RecipientLimit(o.concurrencyPerRecipient ?? defaults.concurrencyPerRecipient),
    deferAfterMs: o.deferAfterMs ?? DEFAULT_DEFER_AFTER_MS,
    ...(o.tokenFor ? { tokenFor: o.tokenFor } : {}),
    ...(o.audit ? { audit: o.audit } : {}),
    ...(o.confirmReplicated ? { confirmReplicated: o.confirmReplicated } : {}),
  };
  return { prefix, ledger, deps };
}

/**
 * A delivery worker service wired from its config: the shared wiring (wireDeliveryWorker) and the
 * `<PREFIX>_*` worker settings handed to `start`, which adds only what is the service's own; at
 * start the messages parked while it was down are re-driven, and close lets deliveries in flight
 * finish before the connections go.
 */
export async function wireDeliveryService(
  name: string,
  config: DeliveryWorkerConfig,
  logger: Logger,
  start: (options: DeliveryServiceOptions & { prefix: string; registry: Registry }) => DeliveryWorker
): Promise<WiredService> {
  const w = await wireDeliveryWorker(name, config, logger);
  const s = config.worker;
  const worker = start({
    producer: w.producer,
    workerConnection: w.workerConnection,
    directory: w.directory,
    audit: w.audit,
    cipher: w.cipher,
    tokenFor: w.tokenFor,
    confirmReplicated: w.confirmReplicated,
    logger,
    prefix: config.QUEUE_PREFIX,
    registry: w.kit.registry,
    delivery: deliverySettingsOf(config),
    lockDurationMs: s.lockMs,
    stalledIntervalMs: s.stalledIntervalMs,
    concurrency: s.concurrency,
    concurrencyPerRecipient: s.concurrencyPerRecipient,
    deferAfterMs: s.deferAfterMs,
    closeTimeoutMs: s.closeTimeoutMs,
    sweepMs: s.sweepMs,
  });
  return {
    app: w.kit.finish(),
    // Messages parked while this worker was down, for recipients the directory has learnt since.
    start: async () => {
      await worker.redriveUnroutable();
    },
    // After the server stopped: let in-flight deliveries finish, then let go of the rest.
    close: async () => {
      await worker.close();
      await w.release();
    },
    summary: {
      concurrency: s.concurrency,
      perRecipient: s.concurrencyPerRecipient,
      deferAfterMs: s.deferAfterMs,
      lockMs: s.lockMs,
      attempts: config.DELIVERY_ATTEMPTS || 'until 24 h',
    },
  };
}
