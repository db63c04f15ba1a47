import type { AuditInput } from '@ipbro/audit';
import type { MessageRecord, MessageState, MovePatch } from '@ipbro/message-ledger';

/** What a delivery tells the audit trail: the attempt before the request leaves, each outcome, a re-drive. */
export type DeliveryAuditEntry = AuditInput & {
  event: 'delivery.attempt' | 'delivery.outcome' | 'message.blocked' | 'message.redriven';
};

const OUTCOMES: Partial<Record<MessageRecord['state'], DeliveryAuditEntry['outcome']>> = {
  acknowledged: 'success',
  delivered: 'success',
  retrying: 'minor-failure',
  unroutable: 'minor-failure',
  rejected: 'serious-failure',
  // The consent gate did its job: the action succeeded (AuditEvent outcome 0), the event name says what it was.
  blocked: 'success',
  dead: 'major-failure',
};

/** The parties' fields an audit record names (orgnr, herId, name), without the ledger's others (built field by field: hot path). */
function partyOf(r: { orgnr?: string; herId?: string; name?: string }): NonNullable<DeliveryAuditEntry['recipient']> {
  const party: NonNullable<DeliveryAuditEntry['recipient']> = {};
  if (r.orgnr) party.orgnr = r.orgnr;
  if (r.herId) party.herId = r.herId;
  if (r.name) party.name = r.name;
  return party;
}

function outcomeEntry(
  message: Pick<MessageRecord, 'id' | 'sender' | 'event'>,
  state: MessageState,
  attempts: number,
  recipient: MessageRecord['recipient'],
  detail: string | undefined
): DeliveryAuditEntry {
  const entry: DeliveryAuditEntry = {
    event: state === 'blocked' ? 'message.blocked' : 'delivery.outcome',
    messageId: message.id,
    outcome: OUTCOMES[state] ?? 'success',
    who: {},
    sender: message.sender,
    messageEvent: message.event,
    detail: `${state} (attempt ${attempts})${detail ? `: ${detail}` : ''}`,
  };
  if (recipient) entry.recipient = partyOf(recipient);
  return entry;
}

/** The record of a delivery step's result: the state it left the message in, and the latest detail. */
export function deliveryOutcomeEntry(record: MessageRecord): DeliveryAuditEntry {
  return outcomeEntry(record, record.state, record.attempts, record.recipient, record.history.at(-1)?.detail);
}

/**
 * deliveryOutcomeEntry of the record a move will leave (`prior` moved to `state` with `detail` and `patch`), without
 * building that record.
 */
export function deliveryMoveEntry(
  prior: MessageRecord,
  state: MessageState,
  detail: string,
  patch: MovePatch
): DeliveryAuditEntry {
  return outcomeEntry(
    prior,
    state,
    patch.attempts ?? prior.attempts,
    'recipient' in patch ? patch.recipient : prior.recipient,
    detail || undefined
  );
}

/** The record of an attempt about to leave, to a recipient (`message`: the record's, or the job's id, sender and event). */
export function deliveryAttemptEntry(
  message: Pick<MessageRecord, 'id' | 'sender' | 'event'>,
  recipient: { orgnr?: string; herId?: string; name?: string; endpoint?: string },
  attempt: number
): DeliveryAuditEntry {
  return {
    event: 'delivery.attempt',
    messageId: message.id,
    outcome: 'success',
    who: {},
    sender: message.sender,
    messageEvent: message.event,
    recipient: partyOf(recipient),
    detail: `attempt ${attempt}${recipient.endpoint ? ` to ${recipient.endpoint}` : ''}`,
  };
}

/**
 * The record of an unroutable message the worker re-queued itself, once the directory knows its recipient (an
 * operator's re-drive is an operator.action).
 */
export function redriveEntry(message: Pick<MessageRecord, 'id' | 'sender' | 'event'>): DeliveryAuditEntry {
  return {
    event: 'message.redriven',
    messageId: message.id,
    outcome: 'success',
    who: {},
    sender: message.sender,
    messageEvent: message.event,
    detail: 'queued: the directory now knows the recipient',
  };
}
