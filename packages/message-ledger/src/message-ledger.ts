import type { RedisConnection } from '@ipbro/redis';
import { ledgerKey, MESSAGE_STATES, type MessageRecord, type MessageState, type Recipient } from './message-record';
import { ENSURE_RECORD_SCRIPT } from './ensure-record-script';
import { jobIdFor } from './job-id';
import { TRANSITION_SCRIPT } from './transition-script';
import { storedKeyId, type BodyCipherLike } from './body-cipher';
import { appendArguments, type StreamAppend } from './stream-append';

/**
 * A cipher bound to a Redis connection, for services whose ledger is built deeper inside (the router
 * gets only its connection): set once at start-up, next to the connection it belongs to. An explicit
 * `cipher` option to the ledger wins.
 */
const boundCiphers = new WeakMap<object, BodyCipherLike>();
export function bindBodyCipher(redis: RedisConnection, cipher: BodyCipherLike): void {
  boundCiphers.set(redis, cipher);
}

/** A week: long enough for ops to look at what was sent, short enough that Redis does not keep every message ever sent. */
export const DEFAULT_BODY_RETENTION_SECONDS = 7 * 24 * 3600;

/** KEYS: record, body. ARGV: the (sealed) body. The record when one exists (a repeat: the body is left alone), else writes the body and returns nil. */
const BODY_UNLESS_RECORDED_SCRIPT = `
local rec = redis.call('GET', KEYS[1])
if rec then return rec end
redis.call('SET', KEYS[2], ARGV[1])
return false
`;

/** What a transition may change besides the state. */
export type TransitionPatch = Partial<Pick<MessageRecord, 'attempts' | 'recipient' | 'receipt' | 'discarded'>>;

/** A state change as it came out: whether it happened, the record now, and the id of the entry appended with it. */
export interface TransitionResult {
  changed: boolean;
  record: MessageRecord;
  entryId?: string;
}

export interface AcceptInput {
  sender: string;
  id: string;
  event: string;
  body: string;
  recipient?: Recipient;
  /** Adds the delivery job with this job id; must be idempotent for the same id (BullMQ jobId). */
  enqueue: (jobId: string) => Promise<void>;
  /** Appended with the seen mark, in the same step, when this call writes it (the audit record of the receipt). */
  append?: StreamAppend;
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
  private readonly prefix: string;
  private readonly cipher?: BodyCipherLike;
  private readonly bodyRetention: string;

  constructor(
    private readonly redis: RedisConnection,
    options: {
      prefix?: string;
      cipher?: BodyCipherLike;
      /** How long the body of an acknowledged message is kept (seconds; default 7 days; 0 keeps it for good). The record stays. */
      bodyRetentionSeconds?: number;
    } = {}
  ) {
    this.prefix = options.prefix ?? '{ipbro}';
    this.bodyRetention = options.bodyRetentionSeconds === 0 ? '' : String(options.bodyRetentionSeconds ?? DEFAULT_BODY_RETENTION_SECONDS);
    this.cipher = options.cipher ?? boundCiphers.get(redis);
    const commands = redis as unknown as Record<string, unknown>;
    const define = (name: string, numberOfKeys: number, lua: string) => {
      if (!commands[name]) redis.defineCommand(name, { numberOfKeys, lua });
    };
    define('ipbroTransition5', 5, TRANSITION_SCRIPT);
    define('ipbroBodyUnlessRecorded', 2, BODY_UNLESS_RECORDED_SCRIPT);
    define('ipbroEnsureRecord5', 5, ENSURE_RECORD_SCRIPT);
  }

  private recordKey = (key: string) => `${this.prefix}:msg:${key}`;
  private bodyKey = (key: string) => `${this.prefix}:body:${key}`;
  private stateKey = (state: MessageState) => `${this.prefix}:state:${state}`;
  private idKey = (id: string) => `${this.prefix}:id:${id}`;

  /**
   * `entryId`: the id of `input.append` when it landed with the seen mark this call wrote (not when
   * another request or a fast worker wrote the mark: the caller then records on its own).
   */
  async accept(input: AcceptInput): Promise<{ created: boolean; record: MessageRecord; entryId?: string }> {
    const key = ledgerKey(input.sender, input.id);
    // Steps 1 and 2 in one call: the record if there is one, else the body written.
    const existing = await (this.redis as unknown as { ipbroBodyUnlessRecorded: (...a: (string | Buffer)[]) => Promise<string | null> }).ipbroBodyUnlessRecorded(
      this.recordKey(key), this.bodyKey(key), this.seal(key, input.body)
    );
    if (existing) return { created: false, record: normalise(JSON.parse(existing)) };
    await input.enqueue(jobIdFor(key));
    const { created, record, entryId } = await this.ensureRecord({ key, id: input.id, sender: input.sender, event: input.event, recipient: input.recipient }, 'gateway', input.append);
    // This request queued the job: it was accepted now, even if a fast worker wrote the record first.
    return { created: created || record.recordedBy === 'worker', record, ...(entryId ? { entryId } : {}) };
  }

  /**
   * Writes the queued record (the seen mark) with its indexes unless one exists; returns whichever
   * is there. Workers call it (the default `by`) when they run a job before the gateway wrote it.
   */
  async ensureRecord(
    r: { key: string; id: string; sender: string; event: string; recipient?: Recipient },
    by: 'gateway' | 'worker' = 'worker',
    append?: StreamAppend
  ): Promise<{ created: boolean; record: MessageRecord; entryId?: string }> {
    const at = new Date().toISOString();
    const record: MessageRecord = {
      key: r.key, id: r.id, sender: r.sender, event: r.event, state: 'queued', attempts: 0,
      ...(r.recipient ? { recipient: r.recipient } : {}),
      history: [{ at, state: 'queued', detail: 'accepted' }], receivedAt: at, updatedAt: at, recordedBy: by,
    };
    const entry = appendArguments(append, this.recordKey(r.key));
    const [set, raw, entryId] = await (this.redis as unknown as { ipbroEnsureRecord5: (...a: string[]) => Promise<[number, string, string | null]> }).ipbroEnsureRecord5(
      this.recordKey(r.key), this.stateKey('queued'), this.idKey(r.id), ...entry.keys, JSON.stringify(record), r.key, ...entry.args
    );
    return set === 1 ? { created: true, record, ...(entryId ? { entryId } : {}) } : { created: false, record: normalise(JSON.parse(raw)) };
  }

  async get(key: string): Promise<MessageRecord | undefined> {
    const raw = await this.redis.get(this.recordKey(key));
    return raw ? normalise(JSON.parse(raw)) : undefined;
  }

  /** Many records by key, in MGETs of 1000 (ops views read the whole ledger); missing keys are left out. */
  async getMany(keys: string[]): Promise<MessageRecord[]> {
    const out: MessageRecord[] = [];
    for (let i = 0; i < keys.length; i += 1000) {
      const raws = await this.redis.mget(...keys.slice(i, i + 1000).map(this.recordKey));
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
    const [raw, body] = await this.redis.mgetBuffer(this.recordKey(key), this.bodyKey(key));
    return { ...(raw ? { record: normalise(JSON.parse(raw.toString('utf8'))) } : {}), ...(body && body.length ? { body: this.open(key, body) } : {}) };
  }

  async body(key: string): Promise<string | undefined> {
    const stored = await this.redis.getBuffer(this.bodyKey(key));
    return stored && stored.length ? this.open(key, stored).toString('utf8') : undefined;
  }

  /** True when the body is stored encrypted (for ops and tests; never the body itself). */
  async bodyIsEncrypted(key: string): Promise<boolean | undefined> {
    const stored = await this.redis.getBuffer(this.bodyKey(key));
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
      if (!this.cipher) throw new Error(`The body of ${key} is encrypted and this ledger has no key (IPBRO_ENCRYPTION_KEY)`);
      return this.cipher.decrypt(stored, key);
    }
    return stored;
  }

  /** Records with this message id, across senders (a receipt names only our id). */
  async findById(id: string): Promise<MessageRecord[]> {
    const keys = await this.redis.smembers(this.idKey(id));
    const records = await Promise.all(keys.map((k) => this.get(k)));
    return records.filter((r): r is MessageRecord => !!r);
  }

  /**
   * Moves a record to `state`, appending to its history, with the patch applied. Refused (the record
   * comes back unchanged, no history added): leaving a final state (acknowledged, rejected, blocked,
   * dead) unless `force` (an operator's re-drive) — so a late `delivered` after a receipt's
   * `acknowledged` is ignored. Throws when there is no such record.
   */
  async transition(key: string, state: MessageState, detail = '', patch: TransitionPatch = {}, options: { force?: boolean } = {}): Promise<MessageRecord> {
    return (await this.change(key, state, detail, patch, options.force ?? false, '')).record;
  }

  /**
   * transition, with `append` written in the same step when the change happens (its audit record); says
   * whether it did. `from`: the record as the caller read it, from which the moved record is built when
   * it is still the stored one (a delivery step's move: saves parsing the record back).
   */
  async transitionRecorded(key: string, state: MessageState, detail: string, patch: TransitionPatch, append: StreamAppend | undefined, from?: MessageRecord): Promise<TransitionResult> {
    return this.change(key, state, detail, patch, false, '', append, from);
  }

  /**
   * Changes the state only from `expected`; undefined when the record was elsewhere (another worker
   * got there first). `force` lets an operator's single-winner retry leave a final state.
   */
  async transitionIf(key: string, expected: MessageState, state: MessageState, detail = '', patch: TransitionPatch = {}, options: { force?: boolean } = {}): Promise<MessageRecord | undefined> {
    const { changed, record } = await this.change(key, state, detail, patch, options.force ?? false, expected);
    return changed ? record : undefined;
  }

  /** transitionIf, with `append` written in the same step when the change happens (its audit record); says whether it did. */
  async transitionIfRecorded(key: string, expected: MessageState, state: MessageState, detail: string, patch: TransitionPatch, options: { force?: boolean; append?: StreamAppend }): Promise<TransitionResult> {
    return this.change(key, state, detail, patch, options.force ?? false, expected, options.append);
  }

  private async change(key: string, state: MessageState, detail: string, patch: TransitionPatch, force: boolean, expected: string, append?: StreamAppend, from?: MessageRecord): Promise<TransitionResult> {
    const entry = appendArguments(append, this.recordKey(key));
    const at = new Date().toISOString();
    const reply = await (this.redis as unknown as { ipbroTransition5: (...a: string[]) => Promise<[string, string | null] | null> }).ipbroTransition5(
      this.recordKey(key), `${this.prefix}:state:`, this.bodyKey(key), ...entry.keys, state, detail, at, JSON.stringify(patch), force ? '1' : '0', expected, this.bodyRetention, ...entry.args, from ? String(from.history.length) : ''
    );
    if (!reply) throw new Error(`No message ${key} in the ledger`);
    const [raw, entryId] = reply;
    // '1' alone: the stored record was `from`, and the script moved it as movedRecord does.
    const record = raw === '1' && from ? movedRecord(from, state, detail, at, patch) : normalise(JSON.parse(raw.slice(1)));
    const result: TransitionResult = { changed: raw[0] === '1', record };
    if (entryId) result.entryId = entryId;
    return result;
  }

  async listByState(state: MessageState): Promise<string[]> {
    return this.redis.smembers(this.stateKey(state));
  }

  async countByState(): Promise<Record<MessageState, number>> {
    const pipeline = this.redis.pipeline();
    for (const s of MESSAGE_STATES) pipeline.scard(this.stateKey(s));
    const replies = (await pipeline.exec()) ?? [];
    return Object.fromEntries(MESSAGE_STATES.map((s, i) => [s, Number(replies[i]?.[1] ?? 0)])) as Record<MessageState, number>;
  }
}

/**
 * `from` moved to `state` as the transition script moves it (state, updatedAt, a history entry, the
 * patch's fields), for a caller that read `from` and was told it was still the stored record.
 */
export function movedRecord(from: MessageRecord, state: MessageState, detail: string, at: string, patch: TransitionPatch): MessageRecord {
  const record: MessageRecord = Object.assign({}, from, { state, updatedAt: at, history: from.history.concat([detail ? { at, state, detail } : { at, state }]) });
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) (record as unknown as Record<string, unknown>)[k] = v;
  return record;
}

/** cjson encodes an empty Lua table as {}; the history is always a list. */
function normalise(r: MessageRecord): MessageRecord {
  if (!Array.isArray(r.history)) r.history = Object.values(r.history ?? {});
  return r;
}
