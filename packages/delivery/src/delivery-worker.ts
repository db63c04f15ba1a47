import { FINAL_STATES, type MessageLedger } from '@ipbro/message-ledger';
import { cappedExponentialDelay, type DeliveryJobData, type DeliverySettings } from '@ipbro/queues';
import type { Logger } from '@ipbro/service-kit';
import { DelayedError, UnrecoverableError, type Job, type Worker } from 'bullmq';
import type { StepResult } from './meldeplikt-delivery';

/**
 * What a worker's processor does with a delivery step's result (the router's and the courier's
 * alike): a transient failure throws, so BullMQ retries with the capped exponential backoff, or
 * after the recipient's Retry-After when that is longer (up to the ceiling: moving the job to
 * delayed does not spend a BullMQ attempt; the ledger's count is the one that ends in dead);
 * rejected and dead end the job with UnrecoverableError; anything else is done.
 */
export async function settleDeliveryStep(
  step: StepResult,
  job: Job<DeliveryJobData>,
  token: string | undefined,
  delivery: DeliverySettings,
  log: Logger,
  meta: Record<string, unknown>
): Promise<void> {
  if (step.kind === 'retry') {
    log.warn({ ...meta, reason: step.reason }, 'delivery failed, will retry');
    const backoff = cappedExponentialDelay(step.attempt, delivery.firstDelayMs, delivery.ceilingMs);
    if (step.retryAfterMs !== undefined && step.retryAfterMs > backoff && token) {
      await job.moveToDelayed(Date.now() + Math.min(step.retryAfterMs, delivery.ceilingMs), token);
      throw new DelayedError(step.reason);
    }
    throw new Error(step.reason);
  }
  if (step.kind === 'fatal') {
    log.warn({ ...meta, reason: step.reason }, 'delivery ended without success');
    throw new UnrecoverableError(step.reason);
  }
  // At debug: the audit trail's delivery.outcome line says the same at info, once per step.
  log.debug(meta, 'delivery step done');
}

/**
 * A job that failed for good without the ledger saying so (Redis trouble every attempt, a missing
 * body, a job that stalled too often) still ends in a final state: the message is marked dead.
 */
export function markDeadWhenFailedForGood(worker: Worker<DeliveryJobData>, ledger: MessageLedger, log: Logger): void {
  worker.on('failed', (job, err) => {
    if (!job || err instanceof UnrecoverableError || err.name === 'UnrecoverableError' || err.name === 'DelayedError') return;
    if (job.attemptsMade < (job.opts.attempts ?? 1) && !/stalled more than/.test(err.message)) return;
    void (async () => {
      const record = await ledger.get(job.data.key);
      if (record && !FINAL_STATES.includes(record.state)) await ledger.transition(job.data.key, 'dead', `delivery job failed for good: ${err.message}`);
    })().catch((e) => log.error({ err: (e as Error).message, messageId: job.data.messageId }, 'could not mark the message dead'));
  });
}
