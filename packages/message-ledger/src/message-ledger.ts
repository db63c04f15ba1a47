import type { Redis } from 'ioredis';
import { ledgerKey, MESSAGE_STATES, type MessageRecord, type MessageState, type Recipient } from './message-record';
import { TRANSITION_SCRIPT } from './transition-script';

type Patch = Partial<Pick<MessageRecord, 'attempts' | 'recipient' | 'receipt'>>;

export interface AcceptInput {
  sender: string;
  id: string;
  event: string;
  body: string;
  recipient?: Recipient;
  /** Adds the delivery job with this job id; must be idempotent for the same id (BullMQ jobId). */
  enqueue: (jobId: string) => Promise<void>;
}

/** BullMQ job ids may not contain ':' (it separates key parts); ledger keys are orgnr:id. */
export const jobIdFor = (key: string): string => key.replace(/:/g, '_');

/**
 * The record of every accepted message. Keys, all under one hash-tagged prefix:
 *   {prefix}:msg:{key}   the record (JSON)        {prefix}:body:{key}  the message as received
 *   {prefix}:state:{s}   keys in state s           {prefix}:id:{id}     keys by message id (receipts)
 *
 * Durability order in accept(): body, then the job, then the record. The record is the "seen" mark
 * that answers a repeated message id with 200, so it is written only once the job is durably queued:
 * if Redis or the gateway dies between job and record, the sender's retry finds no record, enqueues
 * again (BullMQ keeps one job per job id) and writes it. The worker also writes the record if it
 * runs before the gateway got to it (ensureRecord), so the mark can never be missing for a job.
 */
export class MessageLedger {
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    options: { prefix?: string } = {}
  ) {
    this.prefix = options.prefix ?? '{ipbro}';
    if (!(redis as unknown as { ipbroTransition?: unknown }).ipbroTransition) {
      redis.defineCommand('ipbroTransition', { numberOfKeys: 2, lua: TRANSITION_SCRIPT });
    }
  }

  private recordKey = (key: string) => `${this.prefix}:msg:${key}`;
  private bodyKey = (key: string) => `${this.prefix}:body:${key}`;
  private stateKey = (state: MessageState) => `${this.prefix}:state:${state}`;
  private idKey = (id: string) => `${this.prefix}:id:${id}`;

  async accept(input: AcceptInput): Promise<{ created: boolean; record: MessageRecord }> {
    const key = ledgerKey(input.sender, input.id);
    const existing = await this.get(key);
    if (existing) return { created: false, record: existing };
    await this.redis.set(this.bodyKey(key), input.body);
    await input.enqueue(jobIdFor(key));
    // This request queued the job: it was accepted now, even if a fast worker wrote the record first.
    const { record } = await this.ensureRecord({ key, id: input.id, sender: input.sender, event: input.event, recipient: input.recipient });
    return { created: true, record };
  }

  /** Writes the queued record (the seen mark) unless one exists; returns whichever is there. */
  async ensureRecord(r: { key: string; id: string; sender: string; event: string; recipient?: Recipient }): Promise<{ created: boolean; record: MessageRecord }> {
    const at = new Date().toISOString();
    const record: MessageRecord = {
      key: r.key, id: r.id, sender: r.sender, event: r.event, state: 'queued', attempts: 0,
      ...(r.recipient ? { recipient: r.recipient } : {}),
      history: [{ at, state: 'queued', detail: 'accepted' }], receivedAt: at, updatedAt: at,
    };
    const [[, set]] = (await this.redis
      .multi()
      .set(this.recordKey(r.key), JSON.stringify(record), 'NX')
      .exec()) as [Error | null, unknown][];
    if (set !== 'OK') return { created: false, record: (await this.get(r.key)) as MessageRecord };
    await this.redis.multi().sadd(this.stateKey('queued'), r.key).sadd(this.idKey(r.id), r.key).exec();
    return { created: true, record };
  }

  async get(key: string): Promise<MessageRecord | undefined> {
    const raw = await this.redis.get(this.recordKey(key));
    return raw ? normalise(JSON.parse(raw)) : undefined;
  }

  /** The record and the body in one round trip (both keys share the hash-tagged prefix, so one slot). */
  async getWithBody(key: string): Promise<{ record?: MessageRecord; body?: string }> {
    const [raw, body] = await this.redis.mget(this.recordKey(key), this.bodyKey(key));
    return { ...(raw ? { record: normalise(JSON.parse(raw)) } : {}), ...(body ? { body } : {}) };
  }

  async body(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.bodyKey(key))) ?? undefined;
  }

  /** Records with this message id, across senders (a receipt names only our id). */
  async findById(id: string): Promise<MessageRecord[]> {
    const keys = await this.redis.smembers(this.idKey(id));
    const records = await Promise.all(keys.map((k) => this.get(k)));
    return records.filter((r): r is MessageRecord => !!r);
  }

  /** Moves a record to `state`, appending to its history; see TRANSITION_SCRIPT for what is refused. */
  async transition(key: string, state: MessageState, detail = '', patch: Patch = {}, options: { force?: boolean } = {}): Promise<MessageRecord> {
    return (await this.change(key, state, detail, patch, options.force ?? false, '')).record;
  }

  /** Changes the state only from `expected`; undefined when the record was elsewhere (another worker got there first). */
  async transitionIf(key: string, expected: MessageState, state: MessageState, detail = '', patch: Patch = {}): Promise<MessageRecord | undefined> {
    const { changed, record } = await this.change(key, state, detail, patch, false, expected);
    return changed ? record : undefined;
  }

  private async change(key: string, state: MessageState, detail: string, patch: Patch, force: boolean, expected: string): Promise<{ changed: boolean; record: MessageRecord }> {
    const raw = await (this.redis as unknown as { ipbroTransition: (...a: string[]) => Promise<string | null> }).ipbroTransition(
      this.recordKey(key), `${this.prefix}:state:`, state, detail, new Date().toISOString(), JSON.stringify(patch), force ? '1' : '0', expected
    );
    if (!raw) throw new Error(`No message ${key} in the ledger`);
    return { changed: raw[0] === '1', record: normalise(JSON.parse(raw.slice(1))) };
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

/** cjson encodes an empty Lua table as {}; the history is always a list. */
function normalise(r: MessageRecord): MessageRecord {
  if (!Array.isArray(r.history)) r.history = Object.values(r.history ?? {});
  return r;
}
