import { readMessage } from '@ipbro/fhir-message';
import { ledgerKey, type MessageLedger, type MessageRecord } from '@ipbro/message-ledger';
import { errorIssue, forbidden, hasErrors, informationOutcome, OutcomeError } from '@ipbro/outcome';
import { queueForEvent, type DeliveryJobData, type QueueName } from '@ipbro/queues';
import { validate } from '@ipbro/validation';
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import type { Queue } from 'bullmq';
import { statusView, type MessageStatus } from './status-view';

export interface IntakeDeps {
  ledger: MessageLedger;
  queues: Record<QueueName, Queue<DeliveryJobData>>;
  now?: () => Date;
}

/** Who sends: the token's organisation (HelseID orgnr_parent). Undefined only in insecure-dev without a header. */
export interface Caller {
  orgnr?: string;
  /** Operators may post receipts and read on behalf of others; senders may not. */
  ops?: boolean;
}

export type IntakeResult =
  | { status: 202; location: string; outcome: OperationOutcome; record: MessageRecord }
  | { status: 200; body: MessageStatus | OperationOutcome; record?: MessageRecord };

/**
 * A message in, as CONTRACT.md answers it: 400 not a message, 422 a rule broken (nothing queued),
 * 403 a sender that is not the token's organisation, 200 a repeat or a receipt, 202 queued.
 */
export async function acceptMessage(input: unknown, caller: Caller, deps: IntakeDeps): Promise<IntakeResult> {
  const bundle = input as Bundle;
  const view = readMessage(bundle); // 400 when not a FHIR message at all
  const outcome = validate(bundle, { now: deps.now?.() });
  if (hasErrors(outcome)) throw new OutcomeError(422, outcome);
  const sender = view.senderIds.orgnr as string; // the message rules demand it
  if (!caller.orgnr || caller.orgnr !== sender) {
    throw forbidden(`The token's organisation (${caller.orgnr ?? 'none'}) is not the MessageHeader.sender (${sender})`);
  }
  if (view.response) return applyReceipt(view.response, sender, view.senderIds.herId, deps);
  const id = view.messageId as string;
  const event = view.event as string;
  const key = ledgerKey(sender, id);
  const queue = deps.queues[queueForEvent(event)];
  const { created, record } = await deps.ledger.accept({
    sender, id, event, body: JSON.stringify(bundle),
    enqueue: async (jobId) => {
      await queue.add(event, { key, messageId: id, sender, event }, { jobId });
    },
  });
  if (!created) return { status: 200, body: statusView(record), record };
  return { status: 202, location: `/messages/${encodeURIComponent(id)}`, outcome: informationOutcome(`Message ${id} accepted for delivery`), record };
}

/** A receipt (MessageHeader.response) moves the message it names to acknowledged or rejected. */
async function applyReceipt(response: { identifier: string; code: string }, sender: string, senderHerId: string | undefined, deps: IntakeDeps): Promise<IntakeResult> {
  const candidates = await deps.ledger.findById(response.identifier);
  // Only the recipient of that message may answer for it.
  const mine = candidates.filter((r) => r.recipient && (r.recipient.orgnr === sender || (senderHerId && r.recipient.herId === senderHerId)));
  if (mine.length === 0) {
    throw new OutcomeError(422, [errorIssue('not-found', `No message ${response.identifier} was delivered to organisation ${sender}`, 'Bundle.entry[0].resource.response.identifier')]);
  }
  const at = new Date().toISOString();
  for (const r of mine) {
    if (response.code === 'ok') await deps.ledger.transition(r.key, 'acknowledged', `receipt ok from ${sender}`, { receipt: { code: 'ok', at } });
    else if (response.code === 'fatal-error') await deps.ledger.transition(r.key, 'rejected', `receipt fatal-error from ${sender}`, { receipt: { code: 'fatal-error', at } });
    else await deps.ledger.transition(r.key, r.state, `receipt ${response.code} from ${sender}`, { receipt: { code: response.code, at } });
  }
  return { status: 200, body: informationOutcome(`Receipt ${response.code} recorded for message ${response.identifier}`) };
}

/** GET /messages/{id}: only the sending organisation (or ops) may read it; others learn nothing. */
export async function messageStatus(id: string, caller: Caller, ledger: MessageLedger): Promise<MessageStatus | undefined> {
  const records = await ledger.findById(id);
  const visible = records.find((r) => caller.ops || r.sender === caller.orgnr);
  return visible ? statusView(visible) : undefined;
}
