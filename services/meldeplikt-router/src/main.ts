import { Directory } from '@ipbro/directory';
import { assertNoEviction, createRedisConnection, waitUntilReady } from '@ipbro/queues';
import { createLogger, createServiceApp, deliveryConfigSpec, exitOnConfigError, exitOnSignals, loadConfig, read, redisConfigSpec, startHttpServer } from '@ipbro/service-kit';
import { startMeldepliktRouter } from './router';

const logger = createLogger('meldeplikt-router');
const config = exitOnConfigError('meldeplikt-router', () =>
  loadConfig({
    ...redisConfigSpec,
    ...deliveryConfigSpec,
    PORT: read.port(8082),
    DIRECTORY_FILE: read.file(),
    ROUTER_LOCK_MS: read.int(30000, 1000),
    ROUTER_CONCURRENCY: read.int(16, 1),
    QUEUE_PREFIX: read.string('{ipbro}'),
  })
);

async function main(): Promise<void> {
  const producer = createRedisConnection(config.REDIS_URL, 'client');
  const workerConnection = createRedisConnection(config.REDIS_URL, 'worker');
  await waitUntilReady(producer);
  await assertNoEviction(producer);
  const directory = Directory.fromFile(config.DIRECTORY_FILE, { logger });
  const router = startMeldepliktRouter({
    producer, workerConnection, directory, logger, prefix: config.QUEUE_PREFIX,
    delivery: { firstDelayMs: config.DELIVERY_BACKOFF_MS, ceilingMs: config.DELIVERY_BACKOFF_MAX_MS, attempts: config.DELIVERY_ATTEMPTS, timeoutMs: config.DELIVERY_TIMEOUT_MS },
    lockDurationMs: config.ROUTER_LOCK_MS,
    stalledIntervalMs: Math.max(500, Math.floor(config.ROUTER_LOCK_MS / 2)),
    concurrency: config.ROUTER_CONCURRENCY,
  });
  await router.redriveUnroutable();
  const kit = createServiceApp({
    name: 'meldeplikt-router', logger,
    readiness: [
      { name: 'redis', check: async () => void (await producer.ping()) },
      { name: 'directory', check: async () => (directory.loaded ? undefined : 'not loaded') },
    ],
  });
  const server = await startHttpServer(kit.finish(), config.PORT, logger, [
    async () => router.close(),
    async () => {
      directory.close();
      producer.disconnect();
      workerConnection.disconnect();
    },
  ]);
  exitOnSignals(logger, server.close);
}

main().catch((err) => {
  process.stderr.write(`meldeplikt-router: ${(err as Error).message}\n`);
  process.exit(1);
});
