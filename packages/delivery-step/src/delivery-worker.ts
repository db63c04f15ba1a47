import type { RedisConnection } from '@ipbro/redis';
import type { DeliveryMode, Directory } from '@ipbro/directory';
import { FINAL_STATES, type MessageRecord } from '@ipbro/message-ledger';
import { cappedExponentialDelay, createQueue, createWorker } from '@ipbro/queues';
import type { DeliveryJobData, DeliverySettings, QueueName } from '@ipbro/queues';
import { deliveryDeferralsCounter, registerRecipientWaitGauge, type Logger } from '@ipbro/service-kit';
import { DelayedError, UnrecoverableError, type Job, type Queue, type Worker } from 'bullmq';
import type { Registry } from 'prom-client';
import { applyOutcome } from './apply-outcome';
import type { DeliveryJob, DeliveryStepDeps, StepResult } from './delivery-step';
import type { RecipientLimit } from './recipient-limit';
import { unroutableRedriver } from './unroutable-redrive';

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
  job: Job,
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
export function markDeadWhenFailedForGood(worker: Worker<DeliveryJobData>, deps: DeliveryStepDeps, log: Logger): void {
  worker.on('failed', (job, err) => {
    if (!job || err instanceof UnrecoverableError || err.name === 'UnrecoverableError' || err.name === 'DelayedError')
      return;
    if (job.attemptsMade < (job.opts.attempts ?? 1) && !err.message.includes('stalled more than')) return;
    void (async () => {
      const record = await deps.ledger.get(job.data.key);
      // Delivered: the recipient has it (a job whose replica wait kept failing); its receipt still comes.
      if (!record || FINAL_STATES.includes(record.state) || record.state === 'delivered') return;
      await applyOutcome(record, { kind: 'dead', reason: `delivery job failed for good: ${err.message}` }, deps);
    })().catch((e) =>
      log.error({ err: (e as Error).message, messageId: job.data.messageId }, 'could not mark the message dead')
    );
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

export interface DeliveryWorkerOptions {
  /** The queue this worker takes its jobs from. */
  queue: QueueName;
  /** Connection for the queue and the ledger. */
  producer: RedisConnection;
  /** The worker's own (blocking) connection. */
  workerConnection: RedisConnection;
  prefix: string;
  delivery: DeliverySettings;
  logger: Logger;
  /** The step's dependencies, with the recipient limit the worker's sends share. */
  deps: DeliveryStepDeps & { recipientLimit: RecipientLimit };
  /** One job's delivery step (runDeliveryStep with the worker's channel). */
  step(job: DeliveryJob): Promise<StepResult>;
  /** Deliveries in progress at once. */
  concurrency: number;
  /** How long a job is locked to its worker; a SIGKILLed worker's job is taken over after about this. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** close(): how long in-flight deliveries may take before the worker is closed anyway (default 20 s). */
  closeTimeoutMs?: number;
  /** The unroutable messages this worker re-drives when the directory learns their recipient. */
  redrive: { directory: Directory; events: readonly string[]; modes?: readonly DeliveryMode[]; sweepMs?: number };
  /** Where the deferral counter and the recipient-wait gauge are registered. */
  registry?: Registry;
  /** Counts a step's outcome in the worker's own metric. */
  countOutcome?(job: DeliveryJob, record: MessageRecord): void;
  /** The log fields of a job's step. */
  logMeta(job: DeliveryJob, record: MessageRecord | undefined): Record<string, unknown>;
}

export interface DeliveryWorker {
  worker: Worker<DeliveryJobData>;
  queue: Queue<DeliveryJobData>;
  /** Re-queues every unroutable message of this worker's events that the directory can now route; returns how many. */
  redriveUnroutable(): Promise<number>;
  /** Stops taking jobs, lets in-flight deliveries finish (up to closeTimeoutMs), closes the queue. */
  close(): Promise<void>;
}

/**
 * A BullMQ worker running a delivery step per job (the router's and the courier's alike): the
 * result settled (settleDeliveryStep), a job that failed for good marked dead, unroutable messages
 * re-driven when the directory learns their recipient, and a close that waits for deliveries in flight.
 */
export function startDeliveryWorker(o: DeliveryWorkerOptions): DeliveryWorker {
  const log = o.logger;
  const queue = createQueue(o.queue, o.producer, o.delivery, o.prefix);
  const deferrals = o.registry ? deliveryDeferralsCounter(o.registry) : undefined;
  if (o.registry) registerRecipientWaitGauge(o.registry, () => o.deps.recipientLimit.waiting());

  const process = async (job: Job<DeliveryJobData>, token?: string): Promise<void> => {
    const step = await o.step(job.data);
    if (step.kind === 'defer') deferrals?.inc({ recipient: step.endpoint });
    else o.countOutcome?.(job.data, step.record);
    // A deferral decided from the job alone has no record: the ledger was not read.
    await settleDeliveryStep(step, job, token, o.delivery, log, o.logMeta(job.data, step.record));
  };
  const worker = createWorker(
    o.queue,
    process,
    o.workerConnection,
    o.delivery,
    {
      concurrency: o.concurrency,
      ...(o.lockDurationMs ? { lockDuration: o.lockDurationMs } : {}),
      ...(o.stalledIntervalMs ? { stalledInterval: o.stalledIntervalMs } : {}),
    },
    o.prefix
  );
  worker.on('error', (err) => log.error({ err: err.message }, 'worker error'));
  // A job that failed for good without the ledger saying so (Redis trouble every attempt, a missing
  // body, a job that stalled too often) must still end in a final state: nothing disappears.
  markDeadWhenFailedForGood(worker, o.deps, log);

  const r = o.redrive;
  const redriver = unroutableRedriver({
    ledger: o.deps.ledger,
    queue,
    directory: r.directory,
    events: r.events,
    log,
    ...(r.modes ? { modes: r.modes } : {}),
    ...(r.sweepMs ? { sweepMs: r.sweepMs } : {}),
    ...(o.deps.audit ? { audit: o.deps.audit } : {}),
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      redriver.stop();
      await closeWithin(worker.close(), o.closeTimeoutMs ?? 20_000, log);
      await redriver.sweeping()?.catch(() => undefined);
      await queue.close();
    })();
    return closing;
  };
  return { worker, queue, redriveUnroutable: redriver.redrive, close };
}
