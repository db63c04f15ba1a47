import type { RedisConnection } from '@ipbro/redis';
import { read, type Logger } from '@ipbro/service-kit';
import { archiveAuditOlderThan } from './audit-archive';
import { AuditTrail, DEFAULT_AUDIT_RETENTION_DAYS } from './audit-trail';

/** The settings of the audit trail, in every service that writes to it. */
export const auditConfigSpec = {
  /** The key of the patient's hash in audit records (32 bytes, base64); default IPBRO_ENCRYPTION_KEY. */
  AUDIT_HMAC_KEY: read.optional(read.base64Key32()),
  /** Days an entry stays in Redis before it is archived to the log; 0 = kept in Redis for good. */
  AUDIT_RETENTION_DAYS: read.int(DEFAULT_AUDIT_RETENTION_DAYS, 0),
};

/** The audit HMAC key of a loaded config: AUDIT_HMAC_KEY, else IPBRO_ENCRYPTION_KEY, else none (records then name no patient). */
export function auditKeyOf(config: { AUDIT_HMAC_KEY?: Buffer; IPBRO_ENCRYPTION_KEY?: Buffer }): Buffer | undefined {
  return config.AUDIT_HMAC_KEY ?? config.IPBRO_ENCRYPTION_KEY;
}

/** A service's trail as its config describes it, on its Redis connection and key prefix. */
export function auditTrailFromConfig(
  redis: RedisConnection,
  config: {
    QUEUE_PREFIX: string;
    AUDIT_HMAC_KEY?: Buffer;
    IPBRO_ENCRYPTION_KEY?: Buffer;
    AUDIT_RETENTION_DAYS?: number;
  },
  options: { logger: Logger; source: string }
): AuditTrail {
  return new AuditTrail(redis, {
    prefix: config.QUEUE_PREFIX,
    hmacKey: auditKeyOf(config),
    retentionDays: config.AUDIT_RETENTION_DAYS,
    ...options,
  });
}

/**
 * Archives the trail's entries older than AUDIT_RETENTION_DAYS to the log every `intervalMs`
 * (default an hour) and at once; nothing with 0. Returns the stop, which waits for a sweep under way.
 * A failed sweep (Redis away) is logged and tried again at the next interval.
 */
export function startAuditArchive(
  redis: RedisConnection,
  config: { QUEUE_PREFIX: string; AUDIT_RETENTION_DAYS: number },
  options: { logger: Logger; intervalMs?: number }
): () => Promise<void> {
  if (config.AUDIT_RETENTION_DAYS <= 0) return async () => undefined;
  const stopping = new AbortController();
  let running: Promise<unknown> | undefined;
  const sweep = () => {
    // A sweep still under way (a large backlog) is not joined by another.
    running ??= archiveAuditOlderThan(redis, {
      prefix: config.QUEUE_PREFIX,
      logger: options.logger,
      retentionDays: config.AUDIT_RETENTION_DAYS,
      signal: stopping.signal,
    })
      .then((r) => r.archived > 0 && options.logger.info({ archived: r.archived }, 'audit archive sweep done'))
      .catch((err: Error) => options.logger.warn({ err: err.message }, 'audit archive sweep failed; tried again later'))
      .finally(() => (running = undefined));
  };
  const timer = setInterval(sweep, options.intervalMs ?? 3600_000);
  timer.unref();
  sweep();
  return async () => {
    clearInterval(timer);
    stopping.abort();
    await running;
  };
}
