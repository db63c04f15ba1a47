import { MessageLedger } from '@ipbro/message-ledger';
import { assertNoEviction, createQueue, createRedisConnection, QUEUES, waitUntilReady } from '@ipbro/queues';
import { createAuthenticator, createLogger, deliveryConfigSpec, exitOnConfigError, exitOnSignals, loadAuthConfig, loadConfig, read, redisConfigSpec, startHttpServer } from '@ipbro/service-kit';
import { loadDefinitions } from '@ipbro/validation';
import { createGatewayApp } from './app';

const logger = createLogger('gateway');
const config = exitOnConfigError('gateway', () => ({
  ...loadConfig({ ...redisConfigSpec, ...deliveryConfigSpec, PORT: read.port(8080), HOST: read.string('127.0.0.1'), QUEUE_PREFIX: read.string('{ipbro}'), BODY_LIMIT_BYTES: read.int(25 * 1024 * 1024, 1024) }),
  auth: loadAuthConfig(),
}));

async function main(): Promise<void> {
  const redis = createRedisConnection(config.REDIS_URL, 'producer');
  await waitUntilReady(redis);
  await assertNoEviction(redis);
  loadDefinitions(); // FHIR definitions and our profiles, once, before the first message waits for them
  const delivery = { firstDelayMs: config.DELIVERY_BACKOFF_MS, ceilingMs: config.DELIVERY_BACKOFF_MAX_MS, attempts: config.DELIVERY_ATTEMPTS };
  const queues = {
    [QUEUES.meldeplikt]: createQueue(QUEUES.meldeplikt, redis, delivery, config.QUEUE_PREFIX),
    [QUEUES.documents]: createQueue(QUEUES.documents, redis, delivery, config.QUEUE_PREFIX),
  };
  const ledger = new MessageLedger(redis, { prefix: config.QUEUE_PREFIX });
  const app = createGatewayApp({
    logger, ledger, queues, auth: createAuthenticator(config.auth, logger), bodyLimit: config.BODY_LIMIT_BYTES,
    readiness: [{ name: 'redis', check: async () => void (await redis.ping()) }],
  });
  const server = await startHttpServer(app, config.PORT, logger, [
    async () => {
      await Promise.all(Object.values(queues).map((q) => q.close()));
      redis.disconnect();
    },
  ], config.HOST);
  exitOnSignals(logger, server.close);
}

main().catch((err) => {
  process.stderr.write(`gateway: ${(err as Error).message}\n`);
  process.exit(1);
});
