import type { RedisConnection } from '@ipbro/redis';
import { read, type Logger } from '@ipbro/service-kit';
import { AuditTrail } from './audit-trail';

/** The one setting of the audit trail, in every service that writes to it. */
export const auditConfigSpec = {
  /** The key of the patient's hash in audit records (32 bytes, base64); default IPBRO_ENCRYPTION_KEY. */
  AUDIT_HMAC_KEY: read.optional(read.base64Key32()),
};

/** The audit HMAC key of a loaded config: AUDIT_HMAC_KEY, else IPBRO_ENCRYPTION_KEY, else none (records then name no patient). */
export function auditKeyOf(config: { AUDIT_HMAC_KEY?: Buffer; IPBRO_ENCRYPTION_KEY?: Buffer }): Buffer | undefined {
  return config.AUDIT_HMAC_KEY ?? config.IPBRO_ENCRYPTION_KEY;
}

/** A service's trail as its config describes it, on its Redis connection and key prefix. */
export function auditTrailFromConfig(
  redis: RedisConnection,
  config: { QUEUE_PREFIX: string; AUDIT_HMAC_KEY?: Buffer; IPBRO_ENCRYPTION_KEY?: Buffer },
  options: { logger: Logger; source: string }
): AuditTrail {
  return new AuditTrail(redis, { prefix: config.QUEUE_PREFIX, hmacKey: auditKeyOf(config), ...options });
}
