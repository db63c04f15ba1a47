import type { RedisConnection } from '@ipbro/redis';
import { appendEntry, ledgerKeys, type PreparedEntry, type StreamAppend } from '@ipbro/message-ledger';
import { isoNow, type Logger } from '@ipbro/service-kit';
import type { AuditPort } from './audit-port';
import { actionOf, type AuditInput, type AuditRecord } from './audit-record';
import { patientHasher, type PatientHasher } from './patient-hash';

/** Days an audit entry stays in Redis before it is archived to the log (AUDIT_RETENTION_DAYS's default). */
export const DEFAULT_AUDIT_RETENTION_DAYS = 90;

export interface AuditTrailOptions {
  /** The queue/ledger prefix (hash-tagged), e.g. `{ipbro}`: the trail lives beside the messages. */
  prefix: string;
  logger: Logger;
  /** The service writing: gateway, meldeplikt-router … */
  source: string;
  /** The audit HMAC key (see auditKeyOf); without it records carry no patient. */
  hmacKey?: Buffer;
  /** Entries kept in the whole stream (approximate trimming); the log keeps every one. Default 1,000,000. */
  maxLength?: number;
  /** Entries kept per message; default 1,000. */
  maxPerMessage?: number;
  /**
   * AUDIT_RETENTION_DAYS: the per-message index expires this long after its last entry, when every
   * entry in it is older than that (the trail's own entries are archived by archiveAuditOlderThan);
   * 0 keeps it for good. Default 90.
   */
  retentionDays?: number;
}

/** A record ready to be appended by a ledger write (`append`); `stored` logs it once it landed there. */
export interface PreparedAuditRecord extends PreparedEntry {
  record: AuditRecord;
  stored(entryId: string): AuditRecord;
}

/**
 * The audit trail: each record is appended (XADD, never changed) to the stream `{prefix}:audit`,
 * capped by length, and to the list `{prefix}:audit:of:{id}` so one message's trail is read without
 * scanning; and written to the log as `audit`. A record that Redis cannot take is still in the log
 * (at error level): the audited action has already happened and is not undone by its record.
 */
export class AuditTrail implements AuditPort {
  private readonly hash: PatientHasher | undefined;
  private readonly keys: ReturnType<typeof ledgerKeys>;
  readonly streamKey: string;

  constructor(
    private readonly redis: RedisConnection,
    private readonly options: AuditTrailOptions
  ) {
    this.hash = options.hmacKey ? patientHasher(options.hmacKey) : undefined;
    this.keys = ledgerKeys(options.prefix);
    this.streamKey = this.keys.auditTrail;
    if (!this.hash)
      options.logger.warn('audit: no AUDIT_HMAC_KEY or IPBRO_ENCRYPTION_KEY; audit records will not name the patient');
  }

  messageKey(messageId: string): string {
    return this.keys.auditOfMessage(messageId);
  }

  /**
   * The record as it will be kept (patient hashed), without writing it. Built field by field, in the
   * order the log and the stream show, leaving out what is absent: a delivery makes two of these,
   * and conditional spreads cost several times more.
   */
  toRecord(input: AuditInput): AuditRecord {
    const who: AuditRecord['who'] = {};
    if (input.who.clientId) who.clientId = input.who.clientId;
    if (input.who.orgnr) who.orgnr = input.who.orgnr;
    const record: AuditRecord = {
      at: input.at ? input.at.toISOString() : isoNow(),
      event: input.event,
      action: actionOf(input.event),
      outcome: input.outcome,
      who,
      source: this.options.source,
      messageId: input.messageId,
    };
    if (input.sender) record.sender = input.sender;
    if (input.messageEvent) record.messageEvent = input.messageEvent;
    if (input.recipient) record.recipient = input.recipient;
    if (input.personNumber && this.hash) record.patient = this.hash(input.personNumber);
    if (input.detail) record.detail = input.detail.slice(0, 500);
    return record;
  }

  /**
   * The record and its stream entry, for a ledger write to append in the same step as the change it
   * records (MessageLedger.accept and move take it as `audit`); `stored` then writes the log line.
   * A write that fails changed nothing, so there is nothing to record.
   */
  prepare(input: AuditInput): PreparedAuditRecord {
    const record = this.toRecord(input);
    const indexed = input.indexByMessage !== false;
    const append: StreamAppend = {
      stream: this.streamKey,
      maxLength: this.options.maxLength ?? 1_000_000,
      ...(indexed
        ? {
            indexed: {
              stream: this.messageKey(record.messageId),
              maxLength: this.options.maxPerMessage ?? 1000,
              ttlSeconds: (this.options.retentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS) * 24 * 3600,
            },
          }
        : {}),
      text: JSON.stringify(record),
    };
    return {
      record,
      append,
      stored: (entryId) => {
        record.id = entryId;
        this.options.logger.info({ audit: record }, 'audit');
        return record;
      },
    };
  }

  async record(input: AuditInput): Promise<AuditRecord> {
    const prepared = this.prepare(input);
    try {
      return prepared.stored(await appendEntry(this.redis, prepared.append));
    } catch (err) {
      this.options.logger.error(
        { audit: prepared.record, err: (err as Error).message },
        'audit record could not be stored in Redis; this log line is the record'
      );
    }
    return prepared.record;
  }

  /** The trail of one message id (every sender's), oldest first; a trail kept before the per-message list from its stream. */
  async forMessage(messageId: string, limit = 1000): Promise<AuditRecord[]> {
    const own = await this.redis.lrange(this.messageKey(messageId), 0, limit - 1);
    if (own.length === 0) {
      const entries = await this.redis.xrange(
        this.keys.legacyAuditStreamOfMessage(messageId),
        '-',
        '+',
        'COUNT',
        limit
      );
      return entries.map(([id, fields]) => ({
        ...(JSON.parse(fields[fields.indexOf('record') + 1]) as AuditRecord),
        id,
      }));
    }
    return own.map((entry) => {
      const space = entry.indexOf(' ');
      return { ...(JSON.parse(entry.slice(space + 1)) as AuditRecord), id: entry.slice(0, space) };
    });
  }

  /** The latest records of the whole trail, newest first. */
  async latest(count = 100): Promise<AuditRecord[]> {
    const entries = await this.redis.xrevrange(this.streamKey, '+', '-', 'COUNT', count);
    return entries.map(([id, fields]) => ({
      ...(JSON.parse(fields[fields.indexOf('record') + 1]) as AuditRecord),
      id,
    }));
  }
}
