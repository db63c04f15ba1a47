import { auditConfigSpec, auditTrailFromConfig } from '@ipbro/audit';
import { bodyCipherFromConfig, MessageLedger } from '@ipbro/message-ledger';
import { AlertNotifier, DEFAULT_THRESHOLDS, RedisAlertStore } from '@ipbro/ops';
import { assertNoEviction, createQueue, createRedisConnection, QUEUES, waitUntilReady } from '@ipbro/queues';
import { createAuthenticator, createLogger, deliveryConfigSpec, encryptionKeyConfigSpec, exitOnConfigError, loadAuthConfig, loadConfig, read, redisConfigSpec, startHttpServer } from '@ipbro/service-kit';
import { createOpsDashboardApp } from './app';

const logger = createLogger('ops-dashboard');
const config = exitOnConfigError('ops-dashboard', () => ({
  ...loadConfig({
    ...redisConfigSpec, ...deliveryConfigSpec,
    // The dashboard never shows a body, but the key is the contract's for every service: a
    // dashboard started without it is started wrong.
    ...encryptionKeyConfigSpec, ...auditConfigSpec,
    PORT: read.port(8084), HOST: read.string('127.0.0.1'), QUEUE_PREFIX: read.string('{ipbro}'),
    ALERT_WEBHOOK_URL: read.optional(read.url()),
    ALERT_INTERVAL_MS: read.int(30000, 100),
    ALERT_WAITING_MINUTES: read.int(DEFAULT_THRESHOLDS.waitingMinutes, 1),
    ALERT_RECIPIENT_FAILURES: read.int(DEFAULT_THRESHOLDS.recipientFailures, 1),
    ALERT_DEAD_MESSAGES: read.int(DEFAULT_THRESHOLDS.deadMessages, 0),
    ALERT_RECEIPT_OVERDUE_MINUTES: read.int(DEFAULT_THRESHOLDS.receiptOverdueMinutes, 1),
    IPBRO_ENCRYPTION_PREVIOUS_KEYS: read.optionalString(),
  }),
  auth: loadAuthConfig(),
}));

async function main(): Promise<void> {
  const redis = createRedisConnection(config.REDIS_URL, 'producer');
  await waitUntilReady(redis);
  await assertNoEviction(redis);
  const delivery = { firstDelayMs: config.DELIVERY_BACKOFF_MS, ceilingMs: config.DELIVERY_BACKOFF_MAX_MS, attempts: config.DELIVERY_ATTEMPTS };
  const queues = {
    [QUEUES.meldeplikt]: createQueue(QUEUES.meldeplikt, redis, delivery, config.QUEUE_PREFIX),
    [QUEUES.documents]: createQueue(QUEUES.documents, redis, delivery, config.QUEUE_PREFIX),
  };
  const ledger = new MessageLedger(redis, { prefix: config.QUEUE_PREFIX, cipher: bodyCipherFromConfig(config.IPBRO_ENCRYPTION_KEY, config.IPBRO_ENCRYPTION_PREVIOUS_KEYS) });
  // Active alerts in Redis: two dashboards (or a restarted one) raise and clear each alert once.
  const notifier = new AlertNotifier({ logger, store: new RedisAlertStore(redis, config.QUEUE_PREFIX), ...(config.ALERT_WEBHOOK_URL ? { webhookUrl: config.ALERT_WEBHOOK_URL } : {}) });
  const thresholds = {
    waitingMinutes: config.ALERT_WAITING_MINUTES, recipientFailures: config.ALERT_RECIPIENT_FAILURES,
    deadMessages: config.ALERT_DEAD_MESSAGES, receiptOverdueMinutes: config.ALERT_RECEIPT_OVERDUE_MINUTES,
  };
  const dashboard = createOpsDashboardApp({
    logger, ledger, queues, redis, prefix: config.QUEUE_PREFIX, auth: createAuthenticator(config.auth, logger), thresholds, notifier,
    audit: auditTrailFromConfig(redis, config, { logger, source: 'ops-dashboard' }),
    readiness: [{ name: 'redis', check: async () => void (await redis.ping()) }],
  });
  const timer = setInterval(() => void dashboard.checkAlerts(), config.ALERT_INTERVAL_MS);
  void dashboard.checkAlerts();
  await startHttpServer(dashboard.app, config.PORT, logger, [
    async () => {
      clearInterval(timer);
      await Promise.all(Object.values(queues).map((q) => q.close()));
      redis.disconnect();
    },
  ], config.HOST);
  logger.info({ thresholds, webhook: !!config.ALERT_WEBHOOK_URL, intervalMs: config.ALERT_INTERVAL_MS }, 'ops-dashboard started');
}

main().catch((err) => {
  process.stderr.write(`ops-dashboard: ${(err as Error).message}\n`);
  process.exit(1);
});
