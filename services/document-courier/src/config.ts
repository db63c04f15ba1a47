import { redisConfigSpec } from '@ipbro/redis';
import { auditConfigSpec } from '@ipbro/audit';
import { outboundTokenConfigSpec } from '@ipbro/client-credentials';
import { DEFAULT_DEFER_AFTER_MS } from '@ipbro/delivery-step';
import { QUEUE_PREFIX } from '@ipbro/queues';
import { deliveryConfigSpec, loadConfig, read, type Env } from '@ipbro/service-kit';

/** The courier's settings from the environment (throws a ConfigError naming the first bad one). */
export function loadCourierConfig(env: Env = process.env) {
  return loadConfig(
    {
      ...redisConfigSpec,
      ...deliveryConfigSpec,
      PORT: read.port(8085),
      /** Interface for /healthz, /readyz, /metrics (0.0.0.0 in containers, where the probes come from outside). */
      HOST: read.string('127.0.0.1'),
      DIRECTORY_FILE: read.file(),
      /** Required here: it keys the plan index and the consent registry (a keyed hash of the person), and decrypts bodies. */
      IPBRO_ENCRYPTION_KEY: read.base64Key32(),
      IPBRO_ENCRYPTION_PREVIOUS_KEYS: read.optionalString(),
      COURIER_LOCK_MS: read.int(30000, 1000),
      COURIER_STALLED_INTERVAL_MS: read.optional(read.int(undefined, 500)),
      COURIER_CONCURRENCY: read.int(16, 1),
      /**
       * Exchanges in flight with one recipient at once, whatever COURIER_CONCURRENCY: a slow recipient leaves the
       * other slots to the rest.
       */
      COURIER_CONCURRENCY_PER_RECIPIENT: read.int(8, 1),
      /**
       * A delivery whose recipient is busy for longer than this goes back to the queue for about that long, leaving
       * its slot to other recipients' deliveries.
       */
      COURIER_DEFER_AFTER_MS: read.int(DEFAULT_DEFER_AFTER_MS, 100),
      COURIER_CLOSE_TIMEOUT_MS: read.int(20000, 0),
      COURIER_SWEEP_MS: read.int(60000, 100),
      QUEUE_PREFIX: read.string(QUEUE_PREFIX),
      ...outboundTokenConfigSpec('ipbro-courier'),
      ...auditConfigSpec,
    },
    env
  );
}
export type CourierConfig = ReturnType<typeof loadCourierConfig>;
