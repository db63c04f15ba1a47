import { AuditTrail } from '@ipbro/audit';
import { outboundTokenConfigSpec, outboundTokenSource } from '@ipbro/client-credentials';
import { DEFAULT_DEFER_AFTER_MS } from '@ipbro/delivery-step';
import { Directory } from '@ipbro/directory';
import { bodyCipherFromConfig } from '@ipbro/message-ledger';
import { patientKeyer } from '@ipbro/plan-index';
import { assertNoEviction, createRedisConnection, waitUntilReady } from '@ipbro/queues';
import { createLogger, createServiceApp, deliveryConfigSpec, exitOnConfigError, loadConfig, read, redisConfigSpec, startHttpServer } from '@ipbro/service-kit';
import { startDocumentCourier } from './courier';

const logger = createLogger('document-courier');
const config = exitOnConfigError('document-courier', () =>
  loadConfig({
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
    /** Exchanges in flight with one recipient at once, whatever COURIER_CONCURRENCY: a slow recipient leaves the other slots to the rest. */
    COURIER_CONCURRENCY_PER_RECIPIENT: read.int(8, 1),
    /** A delivery whose recipient is busy for longer than this goes back to the queue for about that long, leaving its slot to other recipients' deliveries. */
    COURIER_DEFER_AFTER_MS: read.int(DEFAULT_DEFER_AFTER_MS, 100),
    COURIER_CLOSE_TIMEOUT_MS: read.int(20000, 0),
    COURIER_SWEEP_MS: read.int(60000, 100),
    QUEUE_PREFIX: read.string('{ipbro}'),
    ...outboundTokenConfigSpec('ipbro-courier'),
  })
);

async function main(): Promise<void> {
  const producer = createRedisConnection(config.REDIS_URL, 'client');
  const workerConnection = createRedisConnection(config.REDIS_URL, 'worker');
  await waitUntilReady(producer);
  // Evicted queue, ledger or index keys would lose accepted messages silently: refuse to start.
  await assertNoEviction(producer);
  const directory = Directory.fromFile(config.DIRECTORY_FILE, { logger });
  const tokenSource = outboundTokenSource(config);
  const kit = createServiceApp({
    name: 'document-courier', logger,
    readiness: [
      { name: 'redis', check: async () => void (await producer.ping()) },
      { name: 'directory', check: async () => (directory.loaded ? undefined : 'not loaded') },
    ],
  });
  const audit = new AuditTrail(producer, { prefix: config.QUEUE_PREFIX, logger, source: 'document-courier', hmacKey: config.IPBRO_ENCRYPTION_KEY });
  const cipher = bodyCipherFromConfig(config.IPBRO_ENCRYPTION_KEY, config.IPBRO_ENCRYPTION_PREVIOUS_KEYS);
  const courier = startDocumentCourier({
    producer, workerConnection, directory, logger, prefix: config.QUEUE_PREFIX, registry: kit.registry,
    patientKey: patientKeyer(config.IPBRO_ENCRYPTION_KEY), audit, ...(cipher ? { cipher } : {}),
    delivery: { firstDelayMs: config.DELIVERY_BACKOFF_MS, ceilingMs: config.DELIVERY_BACKOFF_MAX_MS, attempts: config.DELIVERY_ATTEMPTS, timeoutMs: config.DELIVERY_TIMEOUT_MS },
    lockDurationMs: config.COURIER_LOCK_MS,
    stalledIntervalMs: config.COURIER_STALLED_INTERVAL_MS ?? Math.max(500, Math.floor(config.COURIER_LOCK_MS / 2)),
    concurrency: config.COURIER_CONCURRENCY,
    concurrencyPerRecipient: config.COURIER_CONCURRENCY_PER_RECIPIENT,
    deferAfterMs: config.COURIER_DEFER_AFTER_MS,
    closeTimeoutMs: config.COURIER_CLOSE_TIMEOUT_MS,
    sweepMs: config.COURIER_SWEEP_MS,
    ...(tokenSource ? { tokenFor: async () => tokenSource() } : {}),
  });
  // Documents parked while this courier was down, for recipients the directory has learnt since.
  await courier.redriveUnroutable();
  // SIGTERM/SIGINT (handled by startHttpServer): stop serving, then let in-flight deliveries finish.
  await startHttpServer(kit.finish(), config.PORT, logger, [
    async () => courier.close(),
    async () => {
      directory.close();
      await Promise.allSettled([producer.quit(), workerConnection.quit()]);
    },
  ], config.HOST);
  logger.info({ concurrency: config.COURIER_CONCURRENCY, perRecipient: config.COURIER_CONCURRENCY_PER_RECIPIENT, deferAfterMs: config.COURIER_DEFER_AFTER_MS, lockMs: config.COURIER_LOCK_MS, attempts: config.DELIVERY_ATTEMPTS || 'until 24 h' }, 'document-courier started');
}

main().catch((err) => {
  process.stderr.write(`document-courier: ${(err as Error).message}\n`);
  process.exit(1);
});
