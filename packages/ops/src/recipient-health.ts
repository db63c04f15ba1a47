import type { MessageRecord, MessageState, Recipient, RecipientKind } from '@ipbro/message-ledger';
import { recipientKindOf } from './recipient-kind';

/** One recipient's delivery health, from the ledger's histories: metadata only. */
export interface RecipientHealth {
  id: string;
  /** Koordinerende enhet, EHR, or a sender's own endpoint (answers going back); undefined when unknown. */
  kind?: RecipientKind;
  name?: string;
  kommunenummer?: string;
  orgnr?: string;
  herId?: string;
  endpoint?: string;
  /** Messages for it not yet taken: queued or retrying. */
  backlog: number;
  /** Taken (delivered), receipt not yet back. */
  awaitingReceipt: number;
  dead: number;
  lastSuccessAt?: string;
  lastAttemptAt?: string;
  /** Failed attempts since the last success, across all its messages. */
  consecutiveFailures: number;
  lastError?: string;
  lastErrorAt?: string;
}

const SUCCESS: readonly MessageState[] = ['delivered', 'acknowledged'];
const FAILURE: readonly MessageState[] = ['retrying', 'dead', 'rejected'];

/**
 * The recipient's stable id: HER-id, else organisasjonsnummer, else kommunenummer, else endpoint;
 * prefixed `ehr:` or `sender:` for those kinds, so a party's EHR and the answers going back to it are
 * rows of their own beside its koordinerende enhet.
 */
export function recipientId(r: Recipient, kind: RecipientKind | undefined = r.kind): string {
  const where = r.orgnr
    ? `org:${r.orgnr}`
    : r.kommunenummer
      ? `kommune:${r.kommunenummer}`
      : `endpoint:${r.endpoint ?? 'unknown'}`;
  const base = r.herId ? `her:${r.herId}` : where;
  return kind === 'ehr' || kind === 'sender' ? `${kind}:${base}` : base;
}

/** An operator's hand (discard, retry) is not a delivery attempt. */
const byOperator = (detail?: string) => !!detail && /^(discarded|retried|re-driven) by /.test(detail);

/**
 * Per recipient: backlog, last success, failures in a row and the last error. Attempts of all its
 * messages are merged in time order, so one message failing twice and another once is three in a
 * row, and any success (delivered or a receipt) ends the run.
 */
export function recipientHealth(records: MessageRecord[]): RecipientHealth[] {
  const byId = new Map<string, { health: RecipientHealth; events: { at: string; ok: boolean; detail?: string }[] }>();
  for (const record of records) {
    if (!record.recipient) continue;
    const kind = recipientKindOf(record);
    const id = recipientId(record.recipient, kind);
    let entry = byId.get(id);
    if (!entry) {
      const { name, kommunenummer, orgnr, herId, endpoint } = record.recipient;
      const health: RecipientHealth = {
        id,
        ...(name ? { name } : {}),
        ...(kommunenummer ? { kommunenummer } : {}),
        ...(orgnr ? { orgnr } : {}),
        ...(herId ? { herId } : {}),
        ...(endpoint ? { endpoint } : {}),
        backlog: 0,
        awaitingReceipt: 0,
        dead: 0,
        consecutiveFailures: 0,
      };
      if (kind) health.kind = kind;
      entry = { health, events: [] };
      byId.set(id, entry);
    }
    if (record.state === 'queued' || record.state === 'retrying') entry.health.backlog++;
    if (record.state === 'delivered') entry.health.awaitingReceipt++;
    if (record.state === 'dead' && !record.discarded) entry.health.dead++;
    for (const h of record.history) {
      if (byOperator(h.detail)) continue;
      if (SUCCESS.includes(h.state)) entry.events.push({ at: h.at, ok: true });
      else if (FAILURE.includes(h.state))
        entry.events.push({ at: h.at, ok: false, ...(h.detail ? { detail: h.detail } : {}) });
    }
  }
  return [...byId.values()]
    .map(({ health, events }) =>
      withAttempts(
        health,
        events.map((e) => ({ ...e, at: Date.parse(e.at) }))
      )
    )
    .sort(byConcern);
}

/** One attempt, or a run of `failures` failed ones (default 1), at `at` (ms). */
export interface Attempt {
  at: number;
  ok: boolean;
  failures?: number;
  detail?: string;
}

/**
 * Last success and attempt, failures in a row and the last error, from attempts folded in time order:
 * a success ends the run of failures. Every row builder (ledger histories, the receipts queue) uses it.
 */
export function withAttempts(health: RecipientHealth, attempts: Attempt[]): RecipientHealth {
  attempts.sort((a, b) => a.at - b.at);
  for (const a of attempts) {
    const at = new Date(a.at).toISOString();
    health.lastAttemptAt = at;
    if (a.ok) {
      health.lastSuccessAt = at;
      health.consecutiveFailures = 0;
    } else {
      health.consecutiveFailures += a.failures ?? 1;
      health.lastErrorAt = at;
      if (a.detail) health.lastError = a.detail;
    }
  }
  return health;
}

/** The order rows are shown in: most failures in a row first, then the largest backlog, then by id. */
export const byConcern = (a: RecipientHealth, b: RecipientHealth): number =>
  b.consecutiveFailures - a.consecutiveFailures || b.backlog - a.backlog || a.id.localeCompare(b.id);
