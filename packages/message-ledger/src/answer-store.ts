import type { RedisConnection } from '@ipbro/redis';
import type { BodyCipherLike } from './body-cipher';
import { withLedgerScripts, type ScriptedRedis } from './scripts';

/** A contact point of the koordinator, as the kommune sent it (FHIR ContactPoint's system and value). */
export interface AnswerTelecom {
  system?: string;
  value: string;
}

/** The kommune's answer to a meldeplikt (its meldeplikt-svar), as the meldeplikt's status shows it to its sender. */
export interface MeldepliktAnswer {
  status: 'completed' | 'rejected';
  /** When the kommune answered (the Task's time, else the message's, else when IP-bro took it). */
  at: string;
  koordinator?: { name: string; telecom: AnswerTelecom[] };
  /** Why a rejected meldeplikt was rejected (Task.statusReason). */
  reason?: string;
}

/** What may be shown to anyone allowed to see the meldeplikt (ops too): no name, no reason text. */
export interface AnswerSummary {
  status: MeldepliktAnswer['status'];
  at: string;
  /** The ledger key of the meldeplikt-svar that said it. */
  svar: string;
}

interface StoredAnswer extends AnswerSummary {
  atMs: number;
  /** The koordinator and the reason: base64 of the body cipher's envelope (of the JSON text when the ledger has no key). */
  sealed: string;
  clear?: true;
}

/**
 * The answers to meldeplikter, kept beside the ledger in one hash `{prefix}:answer` (meldeplikt ledger
 * key → answer), not on the meldeplikt's record: the record is final by the time the kommune answers,
 * and ops views read records. The koordinator's name and the reason are sealed with the body cipher
 * (bound to the meldeplikt's key), so only a reader that decrypts for the sender sees them; the status
 * and time are in clear for the ops rules. Kept for good, like the records.
 */
export class AnswerStore {
  private readonly key: string;
  private readonly cipher?: BodyCipherLike;
  private readonly redis: ScriptedRedis;

  constructor(redis: RedisConnection, options: { prefix?: string; cipher?: BodyCipherLike } = {}) {
    this.redis = withLedgerScripts(redis);
    this.key = `${options.prefix ?? '{ipbro}'}:answer`;
    this.cipher = options.cipher;
  }

  /**
   * Keeps `answer` for the meldeplikt unless an answer given later is already kept (a late copy of an
   * older svar changes nothing); the same svar again overwrites itself. True when stored.
   */
  async record(meldepliktKey: string, svarKey: string, answer: MeldepliktAnswer): Promise<boolean> {
    const atMs = Date.parse(answer.at);
    if (Number.isNaN(atMs)) throw new RangeError(`The answer's time is not a date: ${answer.at}`);
    const secret = JSON.stringify({
      ...(answer.koordinator ? { koordinator: answer.koordinator } : {}),
      ...(answer.reason ? { reason: answer.reason } : {}),
    });
    const aad = `answer:${meldepliktKey}`;
    const stored: StoredAnswer = {
      svar: svarKey,
      status: answer.status,
      at: answer.at,
      atMs,
      ...(this.cipher
        ? { sealed: this.cipher.encrypt(secret, aad).toString('base64') }
        : { sealed: Buffer.from(secret).toString('base64'), clear: true as const }),
    };
    // lua/answer-keep-newest.lua: an answer given later than this one is kept.
    const kept = await this.redis.ipbroAnswerKeepNewest(
      this.key,
      meldepliktKey,
      JSON.stringify(stored),
      svarKey,
      String(atMs)
    );
    return kept === 1;
  }

  /** Status, time and svar of the answer, without opening the sealed part. */
  async summary(meldepliktKey: string): Promise<AnswerSummary | undefined> {
    const stored = await this.stored(meldepliktKey);
    return stored ? { status: stored.status, at: stored.at, svar: stored.svar } : undefined;
  }

  /** The whole answer, names included: only for the meldeplikt's sender. */
  async read(meldepliktKey: string): Promise<(MeldepliktAnswer & { svar: string }) | undefined> {
    const stored = await this.stored(meldepliktKey);
    if (!stored) return undefined;
    const bytes = Buffer.from(stored.sealed, 'base64');
    let text: string;
    if (stored.clear) text = bytes.toString('utf8');
    else if (!this.cipher)
      throw new Error(`The answer to ${meldepliktKey} is encrypted and this store has no key (IPBRO_ENCRYPTION_KEY)`);
    else text = this.cipher.decrypt(bytes, `answer:${meldepliktKey}`).toString('utf8');
    const secret = JSON.parse(text) as Pick<MeldepliktAnswer, 'koordinator' | 'reason'>;
    return { status: stored.status, at: stored.at, svar: stored.svar, ...secret };
  }

  /** The ledger keys of the meldeplikter that have an answer (for the ops rule on answers overdue). */
  async answeredKeys(): Promise<Set<string>> {
    return new Set(await this.redis.hkeys(this.key));
  }

  private async stored(meldepliktKey: string): Promise<StoredAnswer | undefined> {
    const raw = await this.redis.hget(this.key, meldepliktKey);
    return raw ? (JSON.parse(raw) as StoredAnswer) : undefined;
  }
}
