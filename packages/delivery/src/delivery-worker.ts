import type { DeliveryMode, Directory } from '@ipbro/directory';
import { FINAL_STATES, requeueJobIdFor, transitionIfWithRecord, type MessageLedger } from '@ipbro/message-ledger';
import { addHeldJob, cappedExponentialDelay, deliveryJobData, type DeliveryJobData, type DeliverySettings } from '@ipbro/queues';
import type { Logger } from '@ipbro/service-kit';
import { DelayedError, UnrecoverableError, type Job, type Queue, type Worker } from 'bullmq';
import { transitionAudited } from './audited-transition';
import { deliveryAuditOf, redriveEntry, type DeliveryAudit } from './delivery-audit';
import type { StepResult } from './meldeplikt-delivery';
import { routeMessage } from './message-routing';

/**
 * What a worker's processor does with a delivery step's result (the router's and the courier's
 * alike): a transient failure throws, so BullMQ retries with the capped exponential backoff, or
 * after the recipient's Retry-After when that is longer (up to the ceiling: moving the job to
 * delayed does not spend a BullMQ attempt; the ledger's count is the one that ends in dead);
 * rejected and dead end the job with UnrecoverableError; a deferred delivery goes back to the
 * delayed set (no attempt spent, in BullMQ or in the ledger); anything else is done.
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
  if (step.kind === 'defer') {
    log.debug({ ...meta, delayMs: step.delayMs, reason: step.reason }, 'delivery deferred');
    // A job without its lock token cannot be moved; it fails this round like a transient error (BullMQ retries it).
    if (!token) throw new Error(step.reason);
    await job.moveToDelayed(Date.now() + step.delayMs, token);
    throw new DelayedError(step.reason);
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
 * body, a job that stalled too often) still ends in a final state: the message is marked dead, with
 * the outcome's audit record written in the same step like every other delivery outcome.
 */
export function markDeadWhenFailedForGood(worker: Worker<DeliveryJobData>, deps: { ledger: MessageLedger; audit?: DeliveryAudit }, log: Logger): void {
  worker.on('failed', (job, err) => {
    if (!job || err instanceof UnrecoverableError || err.name === 'UnrecoverableError' || err.name === 'DelayedError') return;
    if (job.attemptsMade < (job.opts.attempts ?? 1) && !/stalled more than/.test(err.message)) return;
    void (async () => {
      const record = await deps.ledger.get(job.data.key);
      if (record && !FINAL_STATES.includes(record.state)) await transitionAudited(deps, record, 'dead', `delivery job failed for good: ${err.message}`);
    })().catch((e) => log.error({ err: (e as Error).message, messageId: job.data.messageId }, 'could not mark the message dead'));
  });
}

/**
 * Waits for a worker's close (in-flight deliveries finishing) at most `timeoutMs`. Past it we stop
 * waiting (a second, forced close would only return the first close's promise): the caller goes on
 * to exit, those jobs' locks lapse and stalled-job recovery hands them to another worker.
 */
export async function closeWithin(closing: Promise<unknown>, timeoutMs: number, log: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const result = await Promise.race([closing.then(() => 'closed' as const), timedOut]);
  clearTimeout(timer);
  if (result === 'timeout') {
    closing.catch(() => undefined);
    log.warn({ timeoutMs }, 'in-flight deliveries outlived the close timeout; leaving them to stalled-job recovery');
  }
}

export interface UnroutableRedriveOptions {
  ledger: MessageLedger;
  queue: Queue<DeliveryJobData>;
  directory: Directory;
  /** The events this worker delivers; other unroutable messages are left to their own worker. */
  events: readonly string[];
  /** The delivery modes this worker speaks (routeMessage's). */
  modes?: readonly DeliveryMode[];
  log: Logger;
  /** How often to look again besides directory reloads (default 60 s). */
  sweepMs?: number;
  /** How long a re-drive's job waits if its release is lost (addHeldJob; default 30 s). */
  holdMs?: number;
  /** Where each re-drive is recorded (default: the process's trail, useDeliveryAudit). */
  audit?: DeliveryAudit;
}

/**
 * Re-drives this worker's `unroutable` messages the directory can now route: back to `queued` (only
 * one worker wins each move, several may sweep at once) with a fresh job; on every directory reload
 * and every `sweepMs`, until `stop()`. Each re-drive is recorded in the audit trail (`message.redriven`),
 * with the move. One sweep at a time in a process; `sweeping()` is the one
 * under way, for a close to wait on.
 */
export function unroutableRedriver(o: UnroutableRedriveOptions): { redrive(): Promise<number>; sweeping(): Promise<unknown> | undefined; stop(): void } {
  let sweeping: Promise<number> | undefined;
  const redrive = (): Promise<number> => {
    sweeping ??= (async () => {
      let count = 0;
      for (const key of await o.ledger.listByState('unroutable')) {
        const { record, body } = await o.ledger.getWithBody(key);
        if (!body || !record || !o.events.includes(record.event)) continue;
        if (routeMessage(record.event, JSON.parse(body), o.directory, o.modes).kind !== 'recipient') continue;
        // The job first, held until the move: whoever races to re-drive it adds the same one.
        const job = await addHeldJob(o.queue, record.event, deliveryJobData({ key, messageId: record.id, sender: record.sender, event: record.event }), requeueJobIdFor(record), o.holdMs);
        const moved = await transitionIfWithRecord(o.ledger, { key, expected: 'unroutable', state: 'queued', detail: 're-driven: the directory now knows the recipient' }, deliveryAuditOf(o), redriveEntry(record));
        if (!moved.changed) continue;
        await job.release();
        count++;
      }
      if (count) o.log.info({ count, events: o.events }, 're-drove unroutable messages');
      return count;
    })().finally(() => {
      sweeping = undefined;
    });
    return sweeping;
  };
  const onReload = () => void redrive().catch((err) => o.log.error({ err: (err as Error).message }, 're-drive failed'));
  o.directory.on('reloaded', onReload);
  const sweep = setInterval(onReload, o.sweepMs ?? 60_000);
  sweep.unref();
  const stop = () => {
    clearInterval(sweep);
    o.directory.off('reloaded', onReload);
  };
  return { redrive, sweeping: () => sweeping, stop };
}
