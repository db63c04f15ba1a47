import type { DeliveryOutcome } from '@ipbro/http-client';
import { FINAL_STATES, type MessageRecord, type MessageState, type MovePatch } from '@ipbro/message-ledger';
import { deliveryMoveEntry, deliveryOutcomeEntry } from './delivery-audit';
import type { DeliveryStepDeps, StepResult } from './delivery-step';

/**
 * What a delivery came to: an answer of the recipient's (classifyDelivery's kinds; `acknowledged`
 * with the history's detail when it is not `receipt ok`), or what the step decided on its own.
 */
export type StepOutcome =
  | (Extract<DeliveryOutcome, { kind: 'acknowledged' }> & { detail?: string })
  | Exclude<DeliveryOutcome, { kind: 'acknowledged' }>
  /** Never deliverable (a stored message that cannot be read, a document the recipient cannot take). */
  | { kind: 'dead'; reason: string }
  /** The consent gate does not permit the recipient. */
  | { kind: 'blocked'; reason: string }
  /** No recipient known: kept for re-drive. */
  | { kind: 'unroutable'; reason: string };

/**
 * The one place a delivery's outcome is written: the ledger move with its audit record in the same
 * Redis step, and what the worker does next. `patch`: the attempt count and recipient of an attempt
 * (the recipient alone for `blocked`, nothing for `unroutable` or an unreadable message).
 * A receipt (the recipient's answer) is kept with `acknowledged` and `rejected`; a transient failure
 * on the last attempt is `dead`.
 */
export async function applyOutcome(
  record: MessageRecord,
  outcome: StepOutcome,
  deps: DeliveryStepDeps,
  patch: MovePatch = {}
): Promise<StepResult> {
  const move = (to: MessageState, detail: string, p: MovePatch = patch) => moveAudited(deps, record, to, detail, p);
  switch (outcome.kind) {
    case 'acknowledged': {
      const receipt = {
        code: 'ok',
        at: new Date().toISOString(),
        ...(outcome.receipt.detail ? { detail: outcome.receipt.detail } : {}),
      };
      return {
        kind: 'done',
        record: await move('acknowledged', outcome.detail ?? 'receipt ok', { ...patch, receipt }),
      };
    }
    case 'delivered':
      return { kind: 'done', record: await move('delivered', outcome.detail) };
    case 'rejected': {
      const receipt = { code: 'fatal-error', at: new Date().toISOString(), detail: outcome.reason };
      return {
        kind: 'fatal',
        reason: outcome.reason,
        record: await move('rejected', outcome.reason, { ...patch, receipt }),
      };
    }
    case 'transient': {
      const attempt = patch.attempts ?? record.attempts;
      if (attempt >= deps.maxAttempts) {
        const dead = await move('dead', `attempts exhausted (${attempt}); last: ${outcome.reason}`);
        return { kind: 'fatal', reason: outcome.reason, record: dead };
      }
      const moved = await move('retrying', `attempt ${attempt} of ${deps.maxAttempts}: ${outcome.reason}`);
      const after = outcome.retryAfterMs !== undefined ? { retryAfterMs: outcome.retryAfterMs } : {};
      return { kind: 'retry', reason: outcome.reason, record: moved, attempt, ...after };
    }
    case 'dead':
      return { kind: 'fatal', reason: outcome.reason, record: await move('dead', outcome.reason) };
    case 'blocked':
      // A correct outcome (the consent gate did its job): the job completes, it is no failed job.
      return { kind: 'done', record: await move('blocked', outcome.reason) };
    case 'unroutable':
      return { kind: 'done', record: await move('unroutable', outcome.reason) };
  }
}

/**
 * The move with its audit record in the same Redis step (one call for both). A move the ledger
 * refuses (the message went final meanwhile) is recorded on its own, as the state it found.
 */
async function moveAudited(
  deps: DeliveryStepDeps,
  read: MessageRecord,
  to: MessageState,
  detail: string,
  patch: MovePatch
): Promise<MessageRecord> {
  const audit = deps.audit?.prepare(deliveryMoveEntry(read, to, detail, patch));
  const moved = await deps.ledger.move({ key: read.key, to, detail, patch, read, audit });
  if (!moved.changed) await deps.audit?.record(deliveryOutcomeEntry(moved.record));
  if (deps.confirmReplicated && endsOrHandsOn(to)) await deps.confirmReplicated();
  return moved.record;
}

/** A state after which the job is completed for good: its move must be on the replicas first. */
function endsOrHandsOn(state: MessageState): boolean {
  return state === 'delivered' || FINAL_STATES.includes(state);
}
