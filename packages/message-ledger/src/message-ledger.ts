import type { RedisConnection } from '@ipbro/redis';
import { storedKeyId, type BodyCipherLike } from './body-cipher';
import { jobIdFor } from './job-id';
import { DEFAULT_PREFIX, ledgerKeys, type LedgerKeys } from './ledger-keys';
import { ledgerKey, MESSAGE_STATES, type MessageRecord, type MessageState, type Recipient } from './message-record';
import { movedRecord, type MovePatch } from './moved-record';
import { withLedgerScripts, type ScriptedRedis } from './scripts';
import { appendArguments, type PreparedEntry } from './stream-append';

/** A week: long enough for ops to look at what was sent, short enough that Redis does not keep every message ever sent. */
export const DEFAULT_BODY_RETENTION_SECONDS = 7 * 24 * 3600;

/** A state change, as MessageLedger.move takes it. */
export interface Move {
  key: string;
  to: MessageState;
  /** The state(s) the record must be in for the move to happen (a single-winner move); absent: any. */
  from?: MessageState | readonly MessageState[];
  /** The history entry's detail. */
  detail?: string;
  patch?: MovePatch;
  /** An operator's re-drive: the move may leave a final state. */
  force?: boolean;
  /**
   * The record as the caller read it: when it is still the stored one, the moved record is built
   * from it (movedRecord) instead of being sent back and parsed (a delivery step's move).
   */
  read?: MessageRecord;
  /** The move's audit record (an AuditTrail's prepare): appended in the same Redis step when the move happens, then `stored`. */
  audit?: PreparedEntry;
}

/** A move as it came out: whether it happened, the record now, and the id of the audit entry appended with it. */
export interface MoveResult {
  changed: boolean;
  record: MessageRecord;
  entryId?: string;
}

/** The move as the script reads it (lua/move.lua, ARGV[1]). */
interface MoveSpec {
  to: MessageState;
  at: string;
  from?: readonly MessageState[];
  detail?: string;
  patch?: MovePatch;
  force?: true;
  bodyTtl?: number;
  readLength?: number;
}

export interface LedgerOptions {
  /** The key prefix (QUEUE_PREFIX); default `{ipbro}`. */
  prefix?: string;
  /** Message bodies encrypted at rest (IPBRO_ENCRYPTION_KEY); without one they are stored in clear. */
  cipher?: BodyCipherLike;
  /** How long the body of an acknowledged message is kept (seconds; default 7 days; 0 keeps it for good). The record stays. */
  bodyRetentionSeconds?: number;
}

export interface AcceptInput {
  sender: string;
  id: string;
  event: string;
  body: string;
  recipient?: Recipient;
  /** MessageHeader.source.endpoint, kept on the record (the meldeplikt-svar goes back there after its body has expired). */
  sourceEndpoint?: string;
  /** Adds the delivery job with this job id; must be idempotent for the same id (BullMQ jobId). */
  enqueue: (jobId: string) => Promise<void>;
  /** Appended with the seen mark, in the same step, when this call writes it (the audit record of the receipt); then `stored`. */
  audit?: PreparedEntry;
}

/**
 * The record of every accepted message. Keys, all under one hash-tagged prefix (one cluster slot):
 *   {prefix}:msg:{key}   the record (JSON)        {prefix}:body:{key}  the message as received,
 *                                                 AES-256-GCM encrypted when the ledger has a cipher
 *   {prefix}:state:{s}   keys in state s           {prefix}:id:{id}     keys by message id (receipts)
 *
 * Deduplication and durability (accept):
 * 1. A record for the key exists → a repeat: { created: false } (the gateway answers 200).
 * 2. Write the body (its own key; harmless if we die here: nothing points at it yet, a retry
 *    overwrites it).
 * 3. Enqueue the job with job id = jobIdFor(key). BullMQ keeps one job per id, so a second add of
 *    the same id is a no-op: this step is idempotent.
 * 4. Write the record — the "seen" mark — with its indexes (and the audit record of the receipt,
 *    when given), atomically and only if absent.
 * The mark is written only after the job is durably queued, never before: if the gateway or Redis
 * dies between 3 and 4, the sender (who got no 202) retries, finds no record, re-adds (still one
 * job) and writes the record. Written the other way round, a crash would leave a mark without a job
 * and the retry would be answered 200 for a message that is never delivered.
 * A worker may run the job before step 4; it then writes the record itself (ensureRecord, marked
 * recordedBy 'worker'), and the request that queued the job still counts as the one that created it.
 * Two concurrent requests with one id: both queue the same single job; the one whose record lands
 * first gets created: true (202), the other created: false (200) — unless a worker wrote it first,
 * when both count as accepted (both 202; still one job, one delivery).
 */
export class MessageLedger {
  private readonly redis: ScriptedRedis;
  private readonly keys: LedgerKeys;
  private readonly cipher?: BodyCipherLike;
  private readonly bodyRetention: number | undefined;

  constructor(redis: RedisConnection, options: LedgerOptions = {}) {
    this.redis = withLedgerScripts(redis);
    this.keys = ledgerKeys(options.prefix ?? DEFAULT_PREFIX);
    this.bodyRetention =
      options.bodyRetentionSeconds === 0 ? undefined : (options.bodyRetentionSeconds ?? DEFAULT_BODY_RETENTION_SECONDS);
    this.cipher = options.cipher;
  }

  /**
   * `entryId`: the id of `input.audit` when it landed with the seen mark this call wrote (not when
   * another request or a fast worker wrote the mark: the caller then records on its own).
   */
  async accept(input: AcceptInput): Promise<{ created: boolean; record: MessageRecord; entryId?: string }> {
    const key = ledgerKey(input.sender, input.id);
    // Steps 1 and 2 in one call: the record if there is one, else the body written.
    const sealed = this.seal(key, input.body);
    const existing = (await this.redis.ipbroBodyUnlessRecorded(this.keys.record(key), this.keys.body(key), sealed)) as
      string | null;
    if (existing) return { created: false, record: normalise(JSON.parse(existing)) };
    await input.enqueue(jobIdFor(key));
    const { created, record, entryId } = await this.ensureRecord(
      {
        key,
        id: input.id,
        sender: input.sender,
        event: input.event,
        recipient: input.recipient,
        sourceEndpoint: input.sourceEndpoint,
      },
      'gateway',
      input.audit
    );
    // This request queued the job: it was accepted now, even if a fast worker wrote the record first.
    return { created: created || record.recordedBy === 'worker', record, ...(entryId ? { entryId } : {}) };
  }

  /**
   * Writes the queued record (the seen mark) with its indexes unless one exists; returns whichever
   * is there. Workers call it (the default `by`) when they run a job before the gateway wrote it.
   * `audit` lands with the record this call writes, and only then (`stored` with its id).
   */
  async ensureRecord(
    r: { key: string; id: string; sender: string; event: string; recipient?: Recipient; sourceEndpoint?: string },
    by: 'gateway' | 'worker' = 'worker',
    audit?: PreparedEntry
  ): Promise<{ created: boolean; record: MessageRecord; entryId?: string }> {
    const at = new Date().toISOString();
    const record: MessageRecord = {
      key: r.key,
      id: r.id,
      sender: r.sender,
      event: r.event,
      state: 'queued',
      attempts: 0,
      ...(r.recipient ? { recipient: r.recipient } : {}),
      history: [{ at, state: 'queued', detail: 'accepted' }],
      receivedAt: at,
      updatedAt: at,
      recordedBy: by,
      ...(r.sourceEndpoint ? { sourceEndpoint: r.sourceEndpoint } : {}),
    };
    const entry = appendArguments(audit?.append, this.keys.record(r.key));
    const keys = [this.keys.record(r.key), this.keys.state('queued'), this.keys.messageId(r.id), ...entry.keys];
    const [set, raw, entryId] = (await this.redis.ipbroEnsureRecord(
      ...keys,
      JSON.stringify(record),
      r.key,
      ...entry.args
    )) as [number, string, string | null];
    if (set !== 1) return { created: false, record: normalise(JSON.parse(raw)) };
    if (!entryId) return { created: true, record };
    audit?.stored(entryId);
    return { created: true, record, entryId };
  }

  async get(key: string): Promise<MessageRecord | undefined> {
    const raw = await this.redis.get(this.keys.record(key));
    return raw ? normalise(JSON.parse(raw)) : undefined;
  }

  /** Many records by key, in MGETs of 1000 (ops views read the whole ledger); missing keys are left out. */
  async getMany(keys: string[]): Promise<MessageRecord[]> {
    const out: MessageRecord[] = [];
    for (let i = 0; i < keys.length; i += 1000) {
      const raws = await this.redis.mget(...keys.slice(i, i + 1000).map(this.keys.record));
      for (const raw of raws) if (raw) out.push(normalise(JSON.parse(raw)));
    }
    return out;
  }

  /** The record and the body in one round trip (both keys share the hash-tagged prefix, so one slot). */
  async getWithBody(key: string): Promise<{ record?: MessageRecord; body?: string }> {
    const { record, body } = await this.getWithBodyBytes(key);
    return { ...(record ? { record } : {}), ...(body ? { body: body.toString('utf8') } : {}) };
  }

  /** getWithBody with the body as its UTF-8 bytes (decrypted), for a delivery that sends it on. */
  async getWithBodyBytes(key: string): Promise<{ record?: MessageRecord; body?: Buffer }> {
    // As bytes: an encrypted body is binary (the record is UTF-8 JSON either way).
    const [raw, body] = await this.redis.mgetBuffer(this.keys.record(key), this.keys.body(key));
    return {
      ...(raw ? { record: normalise(JSON.parse(raw.toString('utf8'))) } : {}),
      ...(body && body.length ? { body: this.open(key, body) } : {}),
    };
  }

  async body(key: string): Promise<string | undefined> {
    const stored = await this.redis.getBuffer(this.keys.body(key));
    return stored && stored.length ? this.open(key, stored).toString('utf8') : undefined;
  }

  /** True when the body is stored encrypted (for ops and tests; never the body itself). */
  async bodyIsEncrypted(key: string): Promise<boolean | undefined> {
    const stored = await this.redis.getBuffer(this.keys.body(key));
    return stored === null ? undefined : storedKeyId(stored) !== undefined;
  }

  /** The body as stored: AES-256-GCM bytes (a third smaller than base64 text) with a cipher, else the text. */
  private seal(key: string, body: string): Buffer | string {
    return this.cipher ? this.cipher.encrypt(body, key) : body;
  }

  /**
   * A body written in clear before encryption was turned on still reads (the next write of it is
   * encrypted); an encrypted one without a cipher is an error, not ciphertext handed on as a message.
   */
  private open(key: string, stored: Buffer): Buffer {
    if (storedKeyId(stored) !== undefined) {
      if (!this.cipher)
        throw new Error(`The body of ${key} is encrypted and this ledger has no key (IPBRO_ENCRYPTION_KEY)`);
      return this.cipher.decrypt(stored, key);
    }
    return stored;
  }

  /** Records with this message id, across senders (a receipt names only our id). */
  async findById(id: string): Promise<MessageRecord[]> {
    const keys = await this.redis.smembers(this.keys.messageId(id));
    const records = await Promise.all(keys.map((k) => this.get(k)));
    return records.filter((r): r is MessageRecord => !!r);
  }

  /**
   * The one way a record changes state: to `to`, appending to its history, with the patch applied,
   * and with its audit entry (`audit`) appended in the same Redis step, only if the move happens.
   * Refused (`changed: false`, the stored record returned, nothing appended): leaving a final state
   * (acknowledged, rejected, blocked, dead) unless `force` (an operator's re-drive), so a late
   * `delivered` after a receipt's `acknowledged` is ignored; and a record not in one of `from` (a
   * single-winner move another worker or operator got to first). Throws when there is no such record.
   */
  async move(m: Move): Promise<MoveResult> {
    const entry = appendArguments(m.audit?.append, this.keys.record(m.key));
    const at = new Date().toISOString();
    const detail = m.detail ?? '';
    const patch = m.patch ?? {};
    const spec: MoveSpec = { to: m.to, at };
    if (m.from !== undefined) spec.from = typeof m.from === 'string' ? [m.from] : m.from;
    if (detail) spec.detail = detail;
    if (m.patch) spec.patch = m.patch;
    if (m.force) spec.force = true;
    if (this.bodyRetention !== undefined) spec.bodyTtl = this.bodyRetention;
    if (m.read) spec.readLength = m.read.history.length;
    const reply = (await this.redis.ipbroMove(
      this.keys.record(m.key),
      this.keys.statePrefix,
      this.keys.body(m.key),
      ...entry.keys,
      this.keys.receiptOutbox,
      JSON.stringify(spec),
      ...entry.args
    )) as [string, string | null] | null;
    if (!reply) throw new Error(`No message ${m.key} in the ledger`);
    const [raw, entryId] = reply;
    // '1' alone: the stored record was `read`, and the script moved it as movedRecord does.
    const record =
      raw === '1' && m.read ? movedRecord(m.read, m.to, detail, at, patch) : normalise(JSON.parse(raw.slice(1)));
    const result: MoveResult = { changed: raw.startsWith('1'), record };
    if (entryId) {
      result.entryId = entryId;
      m.audit?.stored(entryId);
    }
    return result;
  }

  /** Receipts owed to senders ('key|state' members), written by the move that reached the state. */
  async pendingReceipts(count = 100): Promise<string[]> {
    return this.redis.srandmember(this.keys.receiptOutbox, count);
  }

  /** Drops outbox members once their receipt job is queued. */
  async receiptsQueued(members: string[]): Promise<void> {
    if (members.length) await this.redis.srem(this.keys.receiptOutbox, ...members);
  }

  async listByState(state: MessageState): Promise<string[]> {
    return this.redis.smembers(this.keys.state(state));
  }

  async countByState(): Promise<Record<MessageState, number>> {
    const pipeline = this.redis.pipeline();
    for (const s of MESSAGE_STATES) pipeline.scard(this.keys.state(s));
    const replies = (await pipeline.exec()) ?? [];
    return Object.fromEntries(MESSAGE_STATES.map((s, i) => [s, Number(replies[i]?.[1] ?? 0)])) as Record<
      MessageState,
      number
    >;
  }
}

/** cjson encodes an empty Lua table as {}; the history is always a list. */
function normalise(r: MessageRecord): MessageRecord {
  if (!Array.isArray(r.history)) r.history = Object.values(r.history ?? {});
  return r;
}
