import { auditTrailFromConfig, startAuditArchive } from '@ipbro/audit';
import { AnswerStore, bodyCipherFromConfig, MessageLedger } from '@ipbro/message-ledger';
import { AlertNotifier, RedisAlertStore } from '@ipbro/ops';
import { createQueue, QUEUES } from '@ipbro/queues';
import { assertNoEviction, createRedisConnection, waitUntilReady } from '@ipbro/redis';
import { createAuthenticator, deliverySettingsOf, type Logger, type WiredService } from '@ipbro/service-kit';
import { createOpsDashboardApp } from './app';
import type { OpsDashboardConfig } from './config';

/**
 * The dashboard as it runs: its Redis connection (checked for eviction), queues, ledger, alert
 * store and notifier, audit trail and authenticator, each made here and passed to the app; the
 * alert rules are checked every ALERT_INTERVAL_MS once it serves, and old audit entries archived hourly.
 */
export async function wireOpsDashboard(config: OpsDashboardConfig, logger: Logger): Promise<WiredService> {
  const redis = createRedisConnection(config.redis, 'producer');
  await waitUntilReady(redis);
  await assertNoEviction(redis);
  const delivery = deliverySettingsOf(config);
  const queues = {
    [QUEUES.meldeplikt]: createQueue(QUEUES.meldeplikt, redis, delivery, config.QUEUE_PREFIX),
    [QUEUES.documents]: createQueue(QUEUES.documents, redis, delivery, config.QUEUE_PREFIX),
    // Receipts to senders: shown in the queue overview like the others.
    [QUEUES.receipts]: createQueue(QUEUES.receipts, redis, delivery, config.QUEUE_PREFIX),
  };
  const ledger = new MessageLedger(redis, {
    prefix: config.QUEUE_PREFIX,
    cipher: bodyCipherFromConfig(config.IPBRO_ENCRYPTION_KEY, config.IPBRO_ENCRYPTION_PREVIOUS_KEYS),
  });
  // Active alerts in Redis: two dashboards (or a restarted one) raise and clear each alert once.
  const notifier = new AlertNotifier({
    logger,
    store: new RedisAlertStore(redis, config.QUEUE_PREFIX),
    ...(config.ALERT_WEBHOOK_URL ? { webhookUrl: config.ALERT_WEBHOOK_URL } : {}),
  });
  const thresholds = {
    waitingMinutes: config.ALERT_WAITING_MINUTES,
    recipientFailures: config.ALERT_RECIPIENT_FAILURES,
    deadMessages: config.ALERT_DEAD_MESSAGES,
    receiptOverdueMinutes: config.ALERT_RECEIPT_OVERDUE_MINUTES,
    answerOverdueDays: config.ALERT_ANSWER_OVERDUE_DAYS,
    unroutableMessages: config.ALERT_UNROUTABLE_MESSAGES,
  };
  const dashboard = createOpsDashboardApp({
    logger,
    ledger,
    queues,
    redis,
    prefix: config.QUEUE_PREFIX,
    auth: createAuthenticator(config.auth, logger),
    thresholds,
    notifier,
    audit: auditTrailFromConfig(redis, config, { logger, source: 'ops-dashboard' }),
    readiness: [
      {
        name: 'redis',
        check: async () => {
          await redis.ping();
        },
      },
    ],
    // Only which meldeplikter were answered: the dashboard never opens an answer.
    answers: new AnswerStore(redis, { prefix: config.QUEUE_PREFIX }),
  });
  let timer: NodeJS.Timeout | undefined;
  let stopArchive: (() => Promise<void>) | undefined;
  return {
    app: dashboard.app,
    start: async () => {
      timer = setInterval(() => void dashboard.checkAlerts(), config.ALERT_INTERVAL_MS);
      void dashboard.checkAlerts();
      // Audit entries past AUDIT_RETENTION_DAYS go from Redis to the log (one dashboard at a time).
      stopArchive = startAuditArchive(redis, config, { logger });
    },
    close: async () => {
      clearInterval(timer);
      await stopArchive?.();
      await Promise.all(Object.values(queues).map((q) => q.close()));
      redis.disconnect();
    },
    summary: { thresholds, webhook: !!config.ALERT_WEBHOOK_URL, intervalMs: config.ALERT_INTERVAL_MS },
  };
}
