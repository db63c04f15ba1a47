import { redisConfigSpec } from '@ipbro/redis';
import { auditConfigSpec } from '@ipbro/audit';
import { outboundTokenConfigSpec } from '@ipbro/client-credentials';
import { DEFAULT_DEFER_AFTER_MS } from '@ipbro/delivery-step';
import { checkOrganisasjonsnummer } from '@ipbro/identifiers';
import { QUEUE_PREFIX } from '@ipbro/queues';
import { ConfigError, deliveryConfigSpec, loadConfig, read, type Env, type Reader } from '@ipbro/service-kit';

/** An organisasjonsnummer with a right check digit. */
const orgnr =
  (fallback: string): Reader<string> =>
  (name, env) => {
    const v = read.string(fallback)(name, env);
    const checked = checkOrganisasjonsnummer(v);
    if (!checked.ok) throw new ConfigError(`${name} must be an organisasjonsnummer: ${checked.message}`);
    return v;
  };

/** The router's settings from the environment (throws a ConfigError naming the first bad one). */
export function loadRouterConfig(env: Env = process.env) {
  return loadConfig(
    {
      ...redisConfigSpec,
      ...deliveryConfigSpec,
      PORT: read.port(8082),
      /** Interface for /healthz, /readyz, /metrics (0.0.0.0 in containers, where the probes come from outside). */
      HOST: read.string('127.0.0.1'),
      DIRECTORY_FILE: read.file(),
      /** Job lock; a SIGKILLed router's delivery is taken over by another after about this long. */
      ROUTER_LOCK_MS: read.int(30000, 1000),
      /** How often stalled jobs are looked for (default: half the lock). */
      ROUTER_STALLED_INTERVAL_MS: read.optional(read.int(undefined, 500)),
      /** Deliveries in progress at once: while some wait on Redis, others post. */
      ROUTER_CONCURRENCY: read.int(64, 1),
      /** Posts in flight to one recipient at once, whatever ROUTER_CONCURRENCY: what a kommune gets from one router. */
      ROUTER_CONCURRENCY_PER_RECIPIENT: read.int(16, 1),
      /**
       * A delivery whose recipient is busy for longer than this goes back to the queue for about that long, leaving
       * its slot to other recipients' deliveries.
       */
      ROUTER_DEFER_AFTER_MS: read.int(DEFAULT_DEFER_AFTER_MS, 100),
      /** SIGTERM: how long in-flight deliveries may take before the worker closes anyway. */
      ROUTER_CLOSE_TIMEOUT_MS: read.int(20000, 0),
      ROUTER_SWEEP_MS: read.int(60000, 100),
      /** Receipts posted to senders at once (their source.endpoint); 0 turns receipts to senders off in this router. */
      ROUTER_RECEIPT_CONCURRENCY: read.int(8, 0),
      /** Who signs the receipts IP-bro decides itself (blocked, unroutable, dead): the organisation running it. */
      RECEIPT_SENDER_ORGNR: orgnr('994598759'),
      RECEIPT_SENDER_NAME: read.string('IP-bro'),
      QUEUE_PREFIX: read.string(QUEUE_PREFIX),
      ...outboundTokenConfigSpec('ipbro-router'),
      ...auditConfigSpec,
      /** Message bodies are stored encrypted (the gateway writes them): without the key nothing can be delivered. */
      IPBRO_ENCRYPTION_KEY: read.base64Key32(),
      IPBRO_ENCRYPTION_PREVIOUS_KEYS: read.optionalString(),
    },
    env
  );
}
export type RouterConfig = ReturnType<typeof loadRouterConfig>;
