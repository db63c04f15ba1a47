import { closeWithin, DEFAULT_DEFER_AFTER_MS, deliverFromLedger, markDeadWhenFailedForGood, RecipientLimit, settleDeliveryStep, unroutableRedriver, type DeliveryStepDeps } from '@ipbro/delivery';
import type { Directory } from '@ipbro/directory';
import { MessageLedger } from '@ipbro/message-ledger';
import { createQueue, createWorker, QUEUES, resolveAttempts, type DeliveryJobData, type DeliverySettings } from '@ipbro/queues';
import { deliveryDeferralsCounter, meldepliktOutcomesCounter, registerRecipientWaitGauge, type Logger } from '@ipbro/service-kit';
import type { Job, Queue, Worker } from 'bullmq';
import type { RedisConnection } from '@ipbro/redis';
import type { Registry } from 'prom-client';

export interface RouterOptions {
  /** Connection for the queue and the ledger. */
  producer: RedisConnection;
  /** The worker's own (blocking) connection. */
  workerConnection: RedisConnection;
  directory: Directory;
  logger: Logger;
  delivery: DeliverySettings & { timeoutMs: number };
  prefix?: string;
  /** How long a job is locked to its worker; a SIGKILLed worker's job is taken over after about this. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Deliveries in progress at once (default 64). */
  concurrency?: number;
  /** Posts in flight to one recipient at once, whatever the concurrency (default 16). */
  concurrencyPerRecipient?: number;
  /**
   * A delivery whose recipient is busy for longer than this (ms) goes back to the queue for about that
   * long instead of holding one of the `concurrency` slots (default DEFAULT_DEFER_AFTER_MS, 2 s; see DeliveryStepDeps.deferAfterMs).
   */
  deferAfterMs?: number;
  /** How often unroutable messages are looked at again, besides directory reloads (default 60 s). */
  sweepMs?: number;
  /** close(): how long in-flight deliveries may take before the worker is closed anyway (default 20 s). */
  closeTimeoutMs?: number;
  tokenFor?: DeliveryStepDeps['tokenFor'];
  /** The audit trail of attempts and outcomes (default: the process's, useDeliveryAudit). */
  audit?: DeliveryStepDeps['audit'];
  /** Where deliveries_total{outcome} is counted. */
  registry?: Registry;
}

export interface MeldepliktRouter {
  worker: Worker<DeliveryJobData>;
  queue: Queue<DeliveryJobData>;
  ledger: MessageLedger;
  /** Re-queues every unroutable meldeplikt the directory can now route; returns how many. */
  redriveUnroutable(): Promise<number>;
  /** Stops taking jobs, lets in-flight deliveries finish (up to closeTimeoutMs), closes the queue. */
  close(): Promise<void>;
}

/**
 * The meldeplikt worker: each job is one delivery attempt (see deliverFromLedger). A transient
 * failure throws, so BullMQ retries it with the capped exponential backoff (or after the recipient's
 * Retry-After, when that is longer); rejected and dead end the job with UnrecoverableError.
 */
export function startMeldepliktRouter(options: RouterOptions): MeldepliktRouter {
  const ledger = new MessageLedger(options.producer, { prefix: options.prefix });
  const queue = createQueue(QUEUES.meldeplikt, options.producer, options.delivery, options.prefix);
  const log = options.logger;
  const maxAttempts = resolveAttempts(options.delivery);
  const recipientLimit = new RecipientLimit(options.concurrencyPerRecipient ?? 16);
  const deps: DeliveryStepDeps = { ledger, directory: options.directory, timeoutMs: options.delivery.timeoutMs, maxAttempts, recipientLimit, deferAfterMs: options.deferAfterMs ?? DEFAULT_DEFER_AFTER_MS, ...(options.tokenFor ? { tokenFor: options.tokenFor } : {}), ...(options.audit ? { audit: options.audit } : {}) };
  const outcomes = options.registry ? meldepliktOutcomesCounter(options.registry) : undefined;
  const deferrals = options.registry ? deliveryDeferralsCounter(options.registry) : undefined;
  if (options.registry) registerRecipientWaitGauge(options.registry, () => recipientLimit.waiting());

  const process = async (job: Job<DeliveryJobData>, token?: string): Promise<void> => {
    const step = await deliverFromLedger(job.data, deps);
    if (step.kind === 'defer') deferrals?.inc({ recipient: step.endpoint });
    else outcomes?.inc({ state: step.record.state });
    // A deferral decided from the job's hints has no record: the ledger was not read.
    const meta = { messageId: job.data.messageId, sender: job.data.sender, attempts: step.record?.attempts, state: step.record?.state, recipient: step.record?.recipient?.kommunenummer };
    await settleDeliveryStep(step, job, token, options.delivery, log, meta);
  };

  const worker = createWorker(QUEUES.meldeplikt, process, options.workerConnection, options.delivery, {
    concurrency: options.concurrency ?? 64,
    ...(options.lockDurationMs ? { lockDuration: options.lockDurationMs } : {}),
    ...(options.stalledIntervalMs ? { stalledInterval: options.stalledIntervalMs } : {}),
  }, options.prefix);
  worker.on('error', (err) => log.error({ err: err.message }, 'worker error'));
  // A job that failed for good without the ledger saying so (Redis trouble every attempt, a missing
  // body, a job that stalled too often) must still end in a final state: nothing disappears.
  markDeadWhenFailedForGood(worker, deps, log);

  const redriver = unroutableRedriver({ ledger, queue, directory: options.directory, events: ['meldeplikt'], log, ...(options.sweepMs ? { sweepMs: options.sweepMs } : {}) });
  const redriveUnroutable = redriver.redrive;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      redriver.stop();
      await closeWithin(worker.close(), options.closeTimeoutMs ?? 20_000, log);
      await redriver.sweeping()?.catch(() => undefined);
      await queue.close();
    })();
    return closing;
  };

  return { worker, queue, ledger, redriveUnroutable, close };
}
