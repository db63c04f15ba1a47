import type { MessageLedger, MessageRecord, MessageState, TransitionPatch } from '@ipbro/message-ledger';
import { deliveryAuditOf, deliveryMoveEntry, deliveryOutcomeEntry, type DeliveryAudit } from './delivery-audit';

/**
 * A delivery step's move of a message in the ledger, with the audit record of its outcome written in
 * the same Redis step (when the trail can prepare one): no outcome lands without its record, and the
 * step pays one call to Redis for both. A move the ledger refuses (the message went final meanwhile)
 * is recorded on its own, as the state it found.
 */
export async function transitionAudited(
  deps: { ledger: MessageLedger; audit?: DeliveryAudit },
  prior: MessageRecord,
  state: MessageState,
  detail: string,
  patch: TransitionPatch = {}
): Promise<MessageRecord> {
  const audit = deliveryAuditOf(deps);
  // What the outcome's audit record says: the record as the move will leave it.
  const prepared = audit?.prepare?.(deliveryMoveEntry(prior, state, detail, patch));
  const moved = await deps.ledger.transitionRecorded(prior.key, state, detail, patch, prepared?.append, prior);
  if (prepared && moved.entryId) prepared.stored(moved.entryId);
  else await audit?.record(deliveryOutcomeEntry(moved.record));
  return moved.record;
}
