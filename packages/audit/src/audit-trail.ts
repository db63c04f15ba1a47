import type { Logger } from '@ipbro/service-kit';
import type { Redis } from 'ioredis';
import { actionOf, type AuditInput, type AuditRecord } from './audit-record';
import { patientHasher, type PatientHasher } from './patient-hash';

export interface AuditTrailOptions {
  /** The queue/ledger prefix (hash-tagged), e.g. `{ipbro}`: the trail lives beside the messages. */
  prefix: string;
  logger: Logger;
  /** The service writing: gateway, meldeplikt-router … */
  source: string;
  /** The audit HMAC key (see auditKeyFrom); without it records carry no patient. */
  hmacKey?: Buffer;
  /** Entries kept in the whole stream (approximate trimming); the log keeps every one. Default 1,000,000. */
  maxLength?: number;
  /** Entries kept per message; default 1,000. */
  maxPerMessage?: number;
  /** How long the per-message index lives after its last entry; default 90 days. */
  messageIndexTtlSeconds?: number;
}

/**
 * Appends one record (ARGV[4]) to the whole trail (KEYS[1], capped near ARGV[1]) and, when ARGV[5]
 * is '1', to the message's own stream (KEYS[2], capped near ARGV[2], living ARGV[3] seconds after its
 * last entry). Both keys carry the hash-tagged prefix: one cluster slot. Returns the trail entry id.
 */
const AUDIT_APPEND_SCRIPT = `
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'record', ARGV[4])
if ARGV[5] == '1' then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'record', ARGV[4])
  redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
end
return id
`;

/**
 * The audit trail: each record is appended (XADD, never changed) to the stream `{prefix}:audit`,
 * capped by length, and to `{prefix}:audit:message:{id}` so one message's trail is read without
 * scanning; and written to the log as `audit`. A record that Redis cannot take is still in the log
 * (at error level): the audited action has already happened and is not undone by its record.
 */
export class AuditTrail {
  private readonly hash: PatientHasher | undefined;
  readonly streamKey: string;

  constructor(private readonly redis: Redis, private readonly options: AuditTrailOptions) {
    this.hash = options.hmacKey ? patientHasher(options.hmacKey) : undefined;
    this.streamKey = `${options.prefix}:audit`;
    if (!(redis as unknown as { ipbroAuditAppend?: unknown }).ipbroAuditAppend) redis.defineCommand('ipbroAuditAppend', { numberOfKeys: 2, lua: AUDIT_APPEND_SCRIPT });
    if (!this.hash) options.logger.warn('audit: no AUDIT_HMAC_KEY or IPBRO_ENCRYPTION_KEY; audit records will not name the patient');
  }

  messageKey(messageId: string): string {
    // Message ids are FHIR ids (≤ 64 characters); the cut only guards the key against anything longer.
    return `${this.options.prefix}:audit:message:${messageId.slice(0, 128)}`;
  }

  /** The record as it will be kept (patient hashed), without writing it. */
  toRecord(input: AuditInput): AuditRecord {
    const record: AuditRecord = {
      at: (input.at ?? new Date()).toISOString(),
      event: input.event,
      action: actionOf(input.event),
      outcome: input.outcome,
      who: { ...(input.who.clientId ? { clientId: input.who.clientId } : {}), ...(input.who.orgnr ? { orgnr: input.who.orgnr } : {}) },
      source: this.options.source,
      messageId: input.messageId,
      ...(input.sender ? { sender: input.sender } : {}),
      ...(input.messageEvent ? { messageEvent: input.messageEvent } : {}),
      ...(input.recipient ? { recipient: input.recipient } : {}),
      ...(input.personNumber && this.hash ? { patient: this.hash(input.personNumber) } : {}),
      ...(input.detail ? { detail: input.detail.slice(0, 500) } : {}),
    };
    return record;
  }

  async record(input: AuditInput): Promise<AuditRecord> {
    const record = this.toRecord(input);
    const text = JSON.stringify(record);
    try {
      // One script call appends to both streams atomically (a MULTI of the same costs five commands
      // on the gateway's request path: see bench/gateway.bench.js).
      const indexed = input.indexByMessage !== false;
      const id = await (this.redis as unknown as { ipbroAuditAppend: (...a: string[]) => Promise<string> }).ipbroAuditAppend(
        this.streamKey, indexed ? this.messageKey(record.messageId) : this.streamKey,
        String(this.options.maxLength ?? 1_000_000), String(this.options.maxPerMessage ?? 1000),
        String(this.options.messageIndexTtlSeconds ?? 90 * 24 * 3600), text, indexed ? '1' : '0'
      );
      record.id = String(id);
      this.options.logger.info({ audit: record }, 'audit');
    } catch (err) {
      this.options.logger.error({ audit: record, err: (err as Error).message }, 'audit record could not be stored in Redis; this log line is the record');
    }
    return record;
  }

  /** The trail of one message id (every sender's), oldest first. */
  async forMessage(messageId: string, limit = 1000): Promise<AuditRecord[]> {
    const entries = await this.redis.xrange(this.messageKey(messageId), '-', '+', 'COUNT', limit);
    return entries.map(([id, fields]) => ({ ...(JSON.parse(fields[fields.indexOf('record') + 1]) as AuditRecord), id }));
  }

  /** The latest records of the whole trail, newest first. */
  async latest(count = 100): Promise<AuditRecord[]> {
    const entries = await this.redis.xrevrange(this.streamKey, '+', '-', 'COUNT', count);
    return entries.map(([id, fields]) => ({ ...(JSON.parse(fields[fields.indexOf('record') + 1]) as AuditRecord), id }));
  }
}
