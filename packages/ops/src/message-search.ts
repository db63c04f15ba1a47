import type { MessageRecord, MessageState, RecipientKind } from '@ipbro/message-ledger';
import { recipientId } from './recipient-health';
import { recipientKindOf } from './recipient-kind';

export interface MessageQuery {
  id?: string;
  state?: MessageState;
  event?: string;
  sender?: string;
  /** A recipient id (`her:…`), kommunenummer, organisasjonsnummer, HER-id, or part of its name. */
  recipient?: string;
  /** Received at or after / before (ISO times). */
  from?: string;
  to?: string;
  limit?: number;
}

/** What ops see of a message: metadata (never the body, so never the patient). */
export interface MessageView {
  key: string;
  id: string;
  event: string;
  sender: string;
  state: MessageState;
  recipient?: {
    id: string;
    kind?: RecipientKind;
    name?: string;
    kommunenummer?: string;
    herId?: string;
    orgnr?: string;
  };
  attempts: number;
  receivedAt: string;
  updatedAt: string;
  lastDetail?: string;
  history: MessageRecord['history'];
  receipt?: MessageRecord['receipt'];
  discarded?: MessageRecord['discarded'];
}

const partyOf = (rc: NonNullable<MessageRecord['recipient']>) => ({
  ...(rc.name ? { name: rc.name } : {}),
  ...(rc.kommunenummer ? { kommunenummer: rc.kommunenummer } : {}),
  ...(rc.herId ? { herId: rc.herId } : {}),
  ...(rc.orgnr ? { orgnr: rc.orgnr } : {}),
});

export function messageView(r: MessageRecord): MessageView {
  const rc = r.recipient;
  const kind = recipientKindOf(r);
  return {
    key: r.key,
    id: r.id,
    event: r.event,
    sender: r.sender,
    state: r.state,
    attempts: r.attempts,
    receivedAt: r.receivedAt,
    updatedAt: r.updatedAt,
    ...(rc ? { recipient: { id: recipientId(rc, kind), ...(kind ? { kind } : {}), ...partyOf(rc) } } : {}),
    ...(r.history.length && r.history[r.history.length - 1].detail
      ? { lastDetail: r.history[r.history.length - 1].detail }
      : {}),
    history: r.history,
    ...(r.receipt ? { receipt: r.receipt } : {}),
    ...(r.discarded ? { discarded: r.discarded } : {}),
  };
}

function matchesRecipient(r: MessageRecord, q: string): boolean {
  const rc = r.recipient;
  if (!rc) return false;
  const needle = q.toLowerCase();
  if (recipientId(rc, recipientKindOf(r)) === q) return true;
  return rc.kommunenummer === q || rc.orgnr === q || rc.herId === q || (rc.name ?? '').toLowerCase().includes(needle);
}

/** Messages matching every given criterion, the most recently changed first. */
export function searchMessages(records: MessageRecord[], q: MessageQuery): MessageView[] {
  return records
    .filter(
      (r) =>
        (!q.id || r.id === q.id) &&
        (!q.state || r.state === q.state) &&
        (!q.event || r.event === q.event) &&
        (!q.sender || r.sender === q.sender) &&
        (!q.recipient || matchesRecipient(r, q.recipient)) &&
        (!q.from || r.receivedAt >= q.from) &&
        (!q.to || r.receivedAt < q.to)
    )
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
    .slice(0, q.limit ?? 200)
    .map(messageView);
}
