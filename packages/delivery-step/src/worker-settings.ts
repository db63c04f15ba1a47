import { auditConfigSpec } from '@ipbro/audit';
import { outboundTokenConfigSpec } from '@ipbro/client-credentials';
import { QUEUE_PREFIX } from '@ipbro/queues';
import { redisConfigSpec } from '@ipbro/redis';
import { deliveryConfigSpec, read, type Env, type Reader } from '@ipbro/service-kit';
import { DEFAULT_DEFER_AFTER_MS } from './deferral';

/** How one delivery worker runs its queue: its `<PREFIX>_*` settings, read. */
export interface DeliveryWorkerSettings {
  /** Job lock; a SIGKILLed worker's delivery is taken over by another after about this long. */
  lockMs: number;
  /** How often stalled jobs are looked for (unset: half the lock, at least 500 ms). */
  stalledIntervalMs: number;
  /** Deliveries in progress at once: while some wait on Redis, others post. */
  concurrency: number;
  /** Exchanges in flight with one recipient at once, whatever the concurrency: what a recipient gets from one worker. */
  concurrencyPerRecipient: number;
  /** A delivery whose recipient is busy for longer than this goes back to the queue for about that long. */
  deferAfterMs: number;
  /** SIGTERM: how long in-flight deliveries may take before the worker closes anyway. */
  closeTimeoutMs: number;
  /** How often unroutable messages are looked at again, besides directory reloads. */
  sweepMs: number;
}

/** The defaults that differ between workers; the rest are the same for all. */
export interface DeliveryWorkerDefaults {
  concurrency: number;
  concurrencyPerRecipient: number;
}

/**
 * The worker settings of one service, read from `<prefix>_LOCK_MS` (30000, ≥ 1000),
 * `<prefix>_STALLED_INTERVAL_MS` (half the lock, ≥ 500), `<prefix>_CONCURRENCY` (≥ 1),
 * `<prefix>_CONCURRENCY_PER_RECIPIENT` (≥ 1), `<prefix>_DEFER_AFTER_MS` (DEFAULT_DEFER_AFTER_MS, ≥ 100),
 * `<prefix>_CLOSE_TIMEOUT_MS` (20000, ≥ 0) and `<prefix>_SWEEP_MS` (60000, ≥ 100), as a spec to spread
 * into the service's: `loadConfig({ ...deliveryWorkerSettings('ROUTER', …) }).worker`.
 */
export function deliveryWorkerSettings(
  prefix: string,
  defaults: DeliveryWorkerDefaults
): { worker: Reader<DeliveryWorkerSettings> } {
  const worker: Reader<DeliveryWorkerSettings> = (_name, env: Env) => {
    const get = <T>(reader: Reader<T>, suffix: string): T => reader(`${prefix}_${suffix}`, env);
    const lockMs = get(read.int(30000, 1000), 'LOCK_MS');
    return {
      lockMs,
      stalledIntervalMs:
        get(read.optional(read.int(undefined, 500)), 'STALLED_INTERVAL_MS') ?? Math.max(500, Math.floor(lockMs / 2)),
      concurrency: get(read.int(defaults.concurrency, 1), 'CONCURRENCY'),
      concurrencyPerRecipient: get(read.int(defaults.concurrencyPerRecipient, 1), 'CONCURRENCY_PER_RECIPIENT'),
      deferAfterMs: get(read.int(DEFAULT_DEFER_AFTER_MS, 100), 'DEFER_AFTER_MS'),
      closeTimeoutMs: get(read.int(20000, 0), 'CLOSE_TIMEOUT_MS'),
      sweepMs: get(read.int(60000, 100), 'SWEEP_MS'),
    };
  };
  return { worker };
}

/**
 * Every setting a delivery worker service reads alike (the router's and the courier's): Redis,
 * the delivery backoff, HOST, the directory, the body key, the queue prefix, outbound tokens, the
 * audit key and its `<prefix>_*` worker settings. The service adds PORT and what is its own.
 */
export function deliveryWorkerConfigSpec(o: DeliveryWorkerDefaults & { prefix: string; clientId: string }) {
  return {
    ...redisConfigSpec,
    ...deliveryConfigSpec,
    /** Interface for /healthz, /readyz, /metrics (0.0.0.0 in containers, where the probes come from outside). */
    HOST: read.string('127.0.0.1'),
    DIRECTORY_FILE: read.file(),
    /** Message bodies are stored encrypted (the gateway writes them): without the key nothing can be delivered. */
    IPBRO_ENCRYPTION_KEY: read.base64Key32(),
    IPBRO_ENCRYPTION_PREVIOUS_KEYS: read.optionalString(),
    QUEUE_PREFIX: read.string(QUEUE_PREFIX),
    ...outboundTokenConfigSpec(o.clientId),
    ...auditConfigSpec,
    ...deliveryWorkerSettings(o.prefix, o),
  };
}

type Spec = ReturnType<typeof deliveryWorkerConfigSpec>;
/** The values deliveryWorkerConfigSpec reads to (a service's whole config fits). */
export type DeliveryWorkerConfig = { [K in keyof Spec]: Spec[K] extends Reader<infer T> ? T : never };
