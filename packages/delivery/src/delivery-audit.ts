import type { MessageRecord, PreparedEntry } from '@ipbro/message-ledger';

/** What a delivery tells the audit trail (@ipbro/audit's AuditTrail takes it as is). */
export interface DeliveryAuditEntry {
  event: 'delivery.attempt' | 'delivery.outcome' | 'message.blocked' | 'message.redriven';
  messageId: string;
  outcome: 'success' | 'minor-failure' | 'serious-failure' | 'major-failure';
  who: { clientId?: string; orgnr?: string };
  sender?: string;
  messageEvent?: string;
  recipient?: { orgnr?: string; herId?: string; name?: string };
  detail?: string;
}

/** The part of @ipbro/audit's AuditTrail deliveries use. */
export interface DeliveryAudit {
  record(entry: DeliveryAuditEntry): Promise<unknown>;
  /**
   * The record as an entry a ledger write appends in the same step (see transitionAudited);
   * `stored` logs it once it landed. A trail without it is written to after each move instead.
   */
  prepare?(entry: DeliveryAuditEntry): PreparedEntry;
}

let processAudit: DeliveryAudit | undefined;

/**
 * The trail every delivery step of this process writes to when its deps name none: a worker's
 * main wires it once (`useDeliveryAudit(new AuditTrail(…))`) without threading it through the worker.
 */
export function useDeliveryAudit(audit: DeliveryAudit | undefined): void {
  processAudit = audit;
}

export function deliveryAuditOf(deps: { audit?: DeliveryAudit }): DeliveryAudit | undefined {
  return deps.audit ?? processAudit;
}

const OUTCOMES: Partial<Record<MessageRecord['state'], DeliveryAuditEntry['outcome']>> = {
  acknowledged: 'success', delivered: 'success', retrying: 'minor-failure', unroutable: 'minor-failure', rejected: 'serious-failure', blocked: 'serious-failure', dead: 'major-failure',
};

function recipientOf(record: MessageRecord): DeliveryAuditEntry['recipient'] {
  const r = record.recipient;
  if (!r) return undefined;
  return { ...(r.orgnr ? { orgnr: r.orgnr } : {}), ...(r.herId ? { herId: r.herId } : {}), ...(r.name ? { name: r.name } : {}) };
}

/** The record of a delivery step's result: the state it left the message in, and the latest detail. */
export function deliveryOutcomeEntry(record: MessageRecord): DeliveryAuditEntry {
  const recipient = recipientOf(record);
  const detail = record.history.at(-1)?.detail;
  return {
    event: record.state === 'blocked' ? 'message.blocked' : 'delivery.outcome',
    messageId: record.id,
    outcome: OUTCOMES[record.state] ?? 'success',
    who: {},
    sender: record.sender,
    messageEvent: record.event,
    ...(recipient ? { recipient } : {}),
    detail: `${record.state} (attempt ${record.attempts})${detail ? `: ${detail}` : ''}`,
  };
}

/** The record of an attempt about to leave, to a recipient (`message`: the record's, or the job's id, sender and event). */
export function deliveryAttemptEntry(message: Pick<MessageRecord, 'id' | 'sender' | 'event'>, recipient: { orgnr?: string; herId?: string; name?: string; endpoint?: string }, attempt: number): DeliveryAuditEntry {
  return {
    event: 'delivery.attempt', messageId: message.id, outcome: 'success', who: {}, sender: message.sender, messageEvent: message.event,
    recipient: { ...(recipient.orgnr ? { orgnr: recipient.orgnr } : {}), ...(recipient.herId ? { herId: recipient.herId } : {}), ...(recipient.name ? { name: recipient.name } : {}) },
    detail: `attempt ${attempt}${recipient.endpoint ? ` to ${recipient.endpoint}` : ''}`,
  };
}

/** The record of an unroutable message the worker re-queued itself, once the directory knows its recipient (an operator's re-drive is an operator.action). */
export function redriveEntry(message: Pick<MessageRecord, 'id' | 'sender' | 'event'>): DeliveryAuditEntry {
  return { event: 'message.redriven', messageId: message.id, outcome: 'success', who: {}, sender: message.sender, messageEvent: message.event, detail: 'queued: the directory now knows the recipient' };
}
