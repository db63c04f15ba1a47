import { redisConfigSpec } from '@ipbro/redis';
import { auditConfigSpec } from '@ipbro/audit';
import { DEFAULT_THRESHOLDS } from '@ipbro/ops';
import { QUEUE_PREFIX } from '@ipbro/queues';
import {
  deliveryConfigSpec,
  encryptionKeyConfigSpec,
  loadAuthConfig,
  loadConfig,
  read,
  type Env,
} from '@ipbro/service-kit';

/** The dashboard's settings from the environment (throws a ConfigError naming the first bad one). */
export function loadOpsDashboardConfig(env: Env = process.env) {
  return {
    ...loadConfig(
      {
        ...redisConfigSpec,
        ...deliveryConfigSpec,
        // The dashboard never shows a body, but the key is the contract's for every service: a
        // dashboard started without it is started wrong.
        ...encryptionKeyConfigSpec,
        ...auditConfigSpec,
        PORT: read.port(8084),
        HOST: read.string('127.0.0.1'),
        QUEUE_PREFIX: read.string(QUEUE_PREFIX),
        ALERT_WEBHOOK_URL: read.optional(read.url()),
        ALERT_INTERVAL_MS: read.int(30000, 100),
        ALERT_WAITING_MINUTES: read.int(DEFAULT_THRESHOLDS.waitingMinutes, 1),
        ALERT_RECIPIENT_FAILURES: read.int(DEFAULT_THRESHOLDS.recipientFailures, 1),
        ALERT_DEAD_MESSAGES: read.int(DEFAULT_THRESHOLDS.deadMessages, 0),
        ALERT_RECEIPT_OVERDUE_MINUTES: read.int(DEFAULT_THRESHOLDS.receiptOverdueMinutes, 1),
        ALERT_ANSWER_OVERDUE_DAYS: read.int(DEFAULT_THRESHOLDS.answerOverdueDays, 0),
        ALERT_UNROUTABLE_MESSAGES: read.int(DEFAULT_THRESHOLDS.unroutableMessages, 0),
        IPBRO_ENCRYPTION_PREVIOUS_KEYS: read.optionalString(),
      },
      env
    ),
    auth: loadAuthConfig(env),
  };
}
export type OpsDashboardConfig = ReturnType<typeof loadOpsDashboardConfig>;
