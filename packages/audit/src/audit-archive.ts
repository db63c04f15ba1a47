import type { RedisConnection } from '@ipbro/redis';
import { ledgerKeys } from '@ipbro/message-ledger';
import type { Logger } from '@ipbro/service-kit';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditRecord } from './audit-record';

const DAY_MS = 24 * 3600 * 1000;

export interface AuditArchiveOptions {
  /** The queue/ledger prefix the trail lives under. */
  prefix: string;
  /** Where archived entries go: one `audit.archived` line each, written out before they leave Redis. */
  logger: Logger;
  /** AUDIT_RETENTION_DAYS: entries older than this leave Redis; 0 = none do. */
  retentionDays: number;
  /** The time ages are counted from (default now): the trail's entry ids are its clock. */
  now?: Date;
  /** Entries read, logged and trimmed per round; default 1000. */
  batch?: number;
  /** How long the sweep's lock lasts without a round renewing it; default 60 s. */
  lockMs?: number;
  /** Stops the sweep between rounds (a service shutting down). */
  signal?: AbortSignal;
}

export interface AuditArchiveResult {
  /** Entries logged and trimmed. */
  archived: number;
  /** True when another sweep held the lock, so this one did nothing. */
  busy: boolean;
}

/** The sweep's lock scripts (lua/: KEYS, ARGV and reply in each header), read once; lua/ is beside both src/ and dist/. */
const lua = (name: string): string => readFileSync(join(__dirname, '..', 'lua', `${name}.lua`), 'utf8');
const TRIM_IF_HELD = lua('archive-trim-if-held');
const RELEASE_IF_HELD = lua('archive-release-if-held');

type ArchiveRedis = RedisConnection & {
  ipbroAuditTrimIfHeld(lock: string, trail: string, token: string, minId: string, lockMs: number): Promise<number>;
  ipbroAuditReleaseIfHeld(lock: string, token: string): Promise<number>;
};

function withArchiveScripts(redis: RedisConnection): ArchiveRedis {
  const commands = redis as unknown as Record<string, unknown>;
  if (!commands.ipbroAuditTrimIfHeld)
    redis.defineCommand('ipbroAuditTrimIfHeld', { numberOfKeys: 2, lua: TRIM_IF_HELD });
  if (!commands.ipbroAuditReleaseIfHeld)
    redis.defineCommand('ipbroAuditReleaseIfHeld', { numberOfKeys: 1, lua: RELEASE_IF_HELD });
  return redis as ArchiveRedis;
}

/** The id right after `id` (ms-seq): XTRIM MINID keeps it and everything later. */
function idAfter(id: string): string {
  const [ms, seq] = id.split('-');
  return `${ms}-${(BigInt(seq) + BigInt(1)).toString()}`;
}

/** An entry as its log line carries it: the record with its id (a text that is not JSON as it was). */
function archivedRecord(id: string, fields: string[]): AuditRecord | { id: string; text: string } {
  const text = fields[fields.indexOf('record') + 1] ?? '';
  try {
    return { ...(JSON.parse(text) as AuditRecord), id };
  } catch {
    return { id, text };
  }
}

/**
 * The logger's buffered lines written out. pino's flush then fsyncs the descriptor, which a pipe or a
 * terminal (stdout in a container) refuses with EINVAL or ENOTSUP: the lines have left the process
 * by then, so that is flushed too; a failed write is not.
 */
const flushed = (logger: Logger) =>
  new Promise<void>((resolve, reject) =>
    logger.flush((err?: NodeJS.ErrnoException) =>
      !err || err.code === 'EINVAL' || err.code === 'ENOTSUP' ? resolve() : reject(err)
    )
  );

/**
 * Moves the trail's entries older than `retentionDays` from Redis to the log: each is logged as
 * `audit.archived` (the record with its id), the log is flushed, and only then are they trimmed
 * (XTRIM MINID past the last one logged). One sweep at a time under a lock in Redis, so replicas
 * log each entry once; a sweep that dies between its log and its trim logs those again next time.
 * The per-message lists expire by themselves (AuditTrail's retentionDays).
 */
export async function archiveAuditOlderThan(
  redis: RedisConnection,
  options: AuditArchiveOptions
): Promise<AuditArchiveResult> {
  if (options.retentionDays <= 0) return { archived: 0, busy: false };
  const keys = ledgerKeys(options.prefix);
  const lockMs = options.lockMs ?? 60_000;
  const batch = options.batch ?? 1000;
  const token = randomUUID();
  if ((await redis.set(keys.auditArchiveLock, token, 'PX', lockMs, 'NX')) !== 'OK') return { archived: 0, busy: true };
  const scripted = withArchiveScripts(redis);
  // XRANGE's end with only a time means that millisecond's last entry: everything before the cut.
  const lastKept = String((options.now ?? new Date()).getTime() - options.retentionDays * DAY_MS - 1);
  let archived = 0;
  try {
    while (!options.signal?.aborted) {
      const entries = await redis.xrange(keys.auditTrail, '-', lastKept, 'COUNT', batch);
      if (entries.length === 0) break;
      for (const [id, fields] of entries) options.logger.info({ audit: archivedRecord(id, fields) }, 'audit.archived');
      await flushed(options.logger);
      const last = entries[entries.length - 1][0];
      const trimmed = await scripted.ipbroAuditTrimIfHeld(
        keys.auditArchiveLock,
        keys.auditTrail,
        token,
        idAfter(last),
        lockMs
      );
      if (trimmed < 0) {
        options.logger.warn({ archived }, 'audit archive: the lock ran out mid-sweep; the next sweep goes on');
        break;
      }
      archived += entries.length;
      if (entries.length < batch) break;
    }
  } finally {
    await scripted.ipbroAuditReleaseIfHeld(keys.auditArchiveLock, token).catch(() => undefined);
  }
  return { archived, busy: false };
}
