import { AuditTrail } from '@ipbro/audit';
import { outboundTokenConfigSpec, outboundTokenSource } from '@ipbro/client-credentials';
import { DEFAULT_DEFER_AFTER_MS } from '@ipbro/delivery-step';
import { Directory } from '@ipbro/directory';
import { bodyCipherFromConfig } from '@ipbro/message-ledger';
import { assertNoEviction, createRedisConnection, waitUntilReady } from '@ipbro/queues';
import { createLogger, createServiceApp, deliveryConfigSpec, exitOnConfigError, loadConfig, read, redisConfigSpec, startHttpServer } from '@ipbro/service-kit';
import { startMeldepliktRouter } from './router';

const logger = createLogger('meldeplikt-router');
const config = exitOnConfigError('meldeplikt-router', () =>
  loadConfig({
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
    /** A delivery whose recipient is busy for longer than this goes back to the queue for about that long, leaving its slot to other recipients' deliveries. */
    ROUTER_DEFER_AFTER_MS: read.int(DEFAULT_DEFER_AFTER_MS, 100),
    /** SIGTERM: how long in-flight deliveries may take before the worker closes anyway. */
    ROUTER_CLOSE_TIMEOUT_MS: read.int(20000, 0),
    ROUTER_SWEEP_MS: read.int(60000, 100),
    QUEUE_PREFIX: read.string('{ipbro}'),
    ...outboundTokenConfigSpec('ipbro-router'),
    /** The key of the patient hash in audit records (default: IPBRO_ENCRYPTION_KEY). */
    AUDIT_HMAC_KEY: read.optional(read.base64Key32()),
    /** Message bodies are stored encrypted (the gateway writes them): without the key nothing can be delivered. */
    IPBRO_ENCRYPTION_KEY: read.base64Key32(),
    IPBRO_ENCRYPTION_PREVIOUS_KEYS: read.optionalString(),
  })
);

async function main(): Promise<void> {
  const producer = createRedisConnection(config.REDIS_URL, 'client');
  const workerConnection = createRedisConnection(config.REDIS_URL, 'worker');
  await waitUntilReady(producer);
  const cipher = bodyCipherFromConfig(config.IPBRO_ENCRYPTION_KEY, config.IPBRO_ENCRYPTION_PREVIOUS_KEYS);
  // Evicted queue or ledger keys would lose accepted messages silently: refuse to start.
  await assertNoEviction(producer);
  const directory = Directory.fromFile(config.DIRECTORY_FILE, { logger });
  const tokenSource = outboundTokenSource(config);
  const audit = new AuditTrail(producer, { prefix: config.QUEUE_PREFIX, logger, source: 'meldeplikt-router', hmacKey: config.AUDIT_HMAC_KEY ?? config.IPBRO_ENCRYPTION_KEY });
  const kit = createServiceApp({
    name: 'meldeplikt-router', logger,
    readiness: [
      { name: 'redis', check: async () => void (await producer.ping()) },
      { name: 'directory', check: async () => (directory.loaded ? undefined : 'not loaded') },
    ],
  });
  const router = startMeldepliktRouter({
    producer, workerConnection, directory, logger, prefix: config.QUEUE_PREFIX, registry: kit.registry, audit, ...(cipher ? { cipher } : {}),
    delivery: { firstDelayMs: config.DELIVERY_BACKOFF_MS, ceilingMs: config.DELIVERY_BACKOFF_MAX_MS, attempts: config.DELIVERY_ATTEMPTS, timeoutMs: config.DELIVERY_TIMEOUT_MS },
    lockDurationMs: config.ROUTER_LOCK_MS,
    stalledIntervalMs: config.ROUTER_STALLED_INTERVAL_MS ?? Math.max(500, Math.floor(config.ROUTER_LOCK_MS / 2)),
    concurrency: config.ROUTER_CONCURRENCY,
    concurrencyPerRecipient: config.ROUTER_CONCURRENCY_PER_RECIPIENT,
    deferAfterMs: config.ROUTER_DEFER_AFTER_MS,
    closeTimeoutMs: config.ROUTER_CLOSE_TIMEOUT_MS,
    sweepMs: config.ROUTER_SWEEP_MS,
    ...(tokenSource ? { tokenFor: async () => tokenSource() } : {}),
  });
  // Messages parked while this router was down, for kommuner the directory has learnt since.
  await router.redriveUnroutable();
  // SIGTERM/SIGINT (handled by startHttpServer): stop serving, then let in-flight deliveries finish.
  await startHttpServer(kit.finish(), config.PORT, logger, [
    async () => router.close(),
    async () => {
      directory.close();
      await Promise.allSettled([producer.quit(), workerConnection.quit()]);
    },
  ], config.HOST);
  logger.info({ concurrency: config.ROUTER_CONCURRENCY, perRecipient: config.ROUTER_CONCURRENCY_PER_RECIPIENT, deferAfterMs: config.ROUTER_DEFER_AFTER_MS, lockMs: config.ROUTER_LOCK_MS, attempts: config.DELIVERY_ATTEMPTS || 'until 24 h' }, 'meldeplikt-router started');
}

main().catch((err) => {
  process.stderr.write(`meldeplikt-router: ${(err as Error).message}\n`);
  process.exit(1);
});
