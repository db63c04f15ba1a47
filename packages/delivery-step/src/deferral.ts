import type { MessageRecord } from '@ipbro/message-ledger';
import type { DeliveryStepDeps, StepResult } from './delivery-step';

/** The longest a deferred delivery stays away before it looks at its recipient again. */
export const MAX_DEFER_MS = 60_000;
/** The workers' deferAfterMs unless configured (ROUTER_DEFER_AFTER_MS, COURIER_DEFER_AFTER_MS): far above a healthy recipient's line. */
export const DEFAULT_DEFER_AFTER_MS = 2000;

/**
 * `defer` when the recipient's line is longer than deps.deferAfterMs: back in about the time the
 * line takes (at most MAX_DEFER_MS, spread by a fifth either way so that deferred deliveries do not
 * all come back at once). Asked before the attempt is recorded: a deferred delivery was never attempted.
 */
export function deferralIfBusy(
  endpoint: string,
  record: MessageRecord | undefined,
  deps: Pick<DeliveryStepDeps, 'recipientLimit' | 'deferAfterMs'>
): StepResult | undefined {
  if (deps.deferAfterMs === undefined || !deps.recipientLimit) return undefined;
  const waitMs = deps.recipientLimit.expectedWaitMs(endpoint);
  if (waitMs <= deps.deferAfterMs) return undefined;
  const delayMs = Math.round(Math.min(waitMs, MAX_DEFER_MS) * (0.8 + 0.4 * Math.random()));
  const reason = `the recipient is busy: about ${Math.round(waitMs)} ms before a slot frees`;
  return record ? { kind: 'defer', reason, record, delayMs, endpoint } : { kind: 'defer', reason, delayMs, endpoint };
}

/** Runs `send` in one of the recipient's slots (deps.recipientLimit), or at once without a limit. */
export function inRecipientSlot<T>(
  endpoint: string,
  deps: Pick<DeliveryStepDeps, 'recipientLimit'>,
  send: () => Promise<T>
): Promise<T> {
  return deps.recipientLimit ? deps.recipientLimit.run(endpoint, send) : send();
}
