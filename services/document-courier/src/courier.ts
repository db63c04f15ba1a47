import { ConsentRegistry } from '@ipbro/consent-gate';
import { closeWithin, DEFAULT_DEFER_AFTER_MS, markDeadWhenFailedForGood, RecipientLimit, settleDeliveryStep, unroutableRedriver, type DeliveryStepDeps } from '@ipbro/delivery';
import type { Directory } from '@ipbro/directory';
import { deliverDocumentFromLedger, REMINDER_QUEUE, RevisionReminders, sendRevisionReminder, type DocumentStepDeps, type ReminderJobData } from '@ipbro/document-delivery';
import { MessageLedger, type BodyCipherLike } from '@ipbro/message-ledger';
import { PlanIndex, type PatientKeyer } from '@ipbro/plan-index';
import { createQueue, createWorker, QUEUES, resolveAttempts, type DeliveryJobData, type DeliverySettings } from '@ipbro/queues';
import { deliveryDeferralsCounter, documentOutcomesCounter, registerRecipientWaitGauge, type Logger } from '@ipbro/service-kit';
import { Worker, type Job, type Queue } from 'bullmq';
import type { RedisConnection } from '@ipbro/redis';
import type { Registry } from 'prom-client';

export interface CourierOptions {
  /** Connection for the queues, the ledger and the indexes. */
  producer: RedisConnection;
  /** The workers' own (blocking) connection. */
  workerConnection: RedisConnection;
  directory: Directory;
  logger: Logger;
  patientKey: PatientKeyer;
  /** Message bodies at rest (IPBRO_ENCRYPTION_KEY); the gateway's cipher. */
  cipher?: BodyCipherLike;
  delivery: DeliverySettings & { timeoutMs: number };
  prefix?: string;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Deliveries in progress at once (default 16). */
  concurrency?: number;
  /** Exchanges in flight with one recipient at once, whatever the concurrency (default 8): a slow one leaves the other slots to the rest. */
  concurrencyPerRecipient?: number;
  /** A delivery whose recipient is busy for longer than this (ms) goes back to the queue for about that long (default DEFAULT_DEFER_AFTER_MS, 2 s). */
  deferAfterMs?: number;
  closeTimeoutMs?: number;
  /** How often unroutable documents are looked at again, besides directory reloads (default 60 s). */
  sweepMs?: number;
  tokenFor?: DeliveryStepDeps['tokenFor'];
  registry?: Registry;
  now?: () => Date;
}

export interface DocumentCourier {
  worker: Worker<DeliveryJobData>;
  reminderWorker: Worker<ReminderJobData>;
  queue: Queue<DeliveryJobData>;
  ledger: MessageLedger;
  planIndex: PlanIndex;
  consents: ConsentRegistry;
  reminders: RevisionReminders;
  /** Re-queues every unroutable document the directory can now route; returns how many. */
  redriveUnroutable(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The document courier: a worker on the documents queue (ip-plan-copy, koordinator-handover,
 * epikrise), one delivery attempt per job (deliverDocumentFromLedger), retried with the capped
 * backoff; blocked, rejected and dead end the job with UnrecoverableError. A second worker sends the
 * revision reminders that come due.
 */
export function startDocumentCourier(options: CourierOptions): DocumentCourier {
  const prefix = options.prefix ?? '{ipbro}';
  const ledger = new MessageLedger(options.producer, { prefix, ...(options.cipher ? { cipher: options.cipher } : {}) });
  const queue = createQueue(QUEUES.documents, options.producer, options.delivery, prefix);
  const planIndex = new PlanIndex(options.producer, prefix);
  const consents = new ConsentRegistry(options.producer, prefix);
  const reminders = new RevisionReminders(options.producer, prefix, { attempts: resolveAttempts(options.delivery), firstDelayMs: options.delivery.firstDelayMs });
  const log = options.logger;
  const maxAttempts = resolveAttempts(options.delivery);
  const recipientLimit = new RecipientLimit(options.concurrencyPerRecipient ?? 8);
  const deps: DocumentStepDeps = {
    ledger, directory: options.directory, timeoutMs: options.delivery.timeoutMs, maxAttempts, consents, patientKey: options.patientKey,
    recipientLimit, deferAfterMs: options.deferAfterMs ?? DEFAULT_DEFER_AFTER_MS,
    ...(options.tokenFor ? { tokenFor: options.tokenFor } : {}), ...(options.now ? { now: options.now } : {}),
  };
  const outcomes = options.registry ? documentOutcomesCounter(options.registry) : undefined;
  const deferrals = options.registry ? deliveryDeferralsCounter(options.registry) : undefined;
  if (options.registry) registerRecipientWaitGauge(options.registry, () => recipientLimit.waiting());

  const process = async (job: Job<DeliveryJobData>, token?: string): Promise<void> => {
    const step = await deliverDocumentFromLedger(job.data, deps);
    if (step.kind === 'defer') deferrals?.inc({ recipient: step.endpoint });
    else outcomes?.inc({ event: job.data.event, state: step.record.state });
    const meta = { messageId: job.data.messageId, sender: job.data.sender, event: job.data.event, attempts: step.record?.attempts, state: step.record?.state, recipient: step.record?.recipient?.orgnr };
    await settleDeliveryStep(step, job, token, options.delivery, log, meta);
  };

  const worker = createWorker(QUEUES.documents, process, options.workerConnection, options.delivery, {
    concurrency: options.concurrency ?? 16,
    ...(options.lockDurationMs ? { lockDuration: options.lockDurationMs } : {}),
    ...(options.stalledIntervalMs ? { stalledInterval: options.stalledIntervalMs } : {}),
  }, prefix);
  worker.on('error', (err) => log.error({ err: err.message }, 'worker error'));
  // A job that failed for good without the ledger saying so must still end in a final state.
  markDeadWhenFailedForGood(worker, deps, log);

  const reminderConnection = options.workerConnection.duplicate();
  const reminderWorker = new Worker<ReminderJobData>(
    REMINDER_QUEUE,
    async (job) => {
      const outcome = await sendRevisionReminder(job.data, { ledger, planIndex, directory: options.directory, timeoutMs: options.delivery.timeoutMs, ...(options.now ? { now: options.now } : {}) });
      if (outcome.kind === 'retry') throw new Error(outcome.reason);
      log.info({ plan: job.data.plan, revision: job.data.nextRevision, ...(outcome.kind === 'sent' ? { messageId: outcome.record.id, state: outcome.record.state } : { skipped: outcome.reason }) }, 'revision reminder');
    },
    {
      connection: reminderConnection, prefix, concurrency: 4,
      ...(options.lockDurationMs ? { lockDuration: options.lockDurationMs } : {}),
      ...(options.stalledIntervalMs ? { stalledInterval: options.stalledIntervalMs } : {}),
    }
  );
  reminderWorker.on('error', (err) => log.error({ err: err.message }, 'reminder worker error'));

  const redriver = unroutableRedriver({ ledger, queue, directory: options.directory, events: ['ip-plan-copy', 'koordinator-handover', 'epikrise'], modes: ['fhir-message', 'fhir-rest'], log, ...(options.sweepMs ? { sweepMs: options.sweepMs } : {}) });
  const redriveUnroutable = redriver.redrive;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      redriver.stop();
      await closeWithin(Promise.all([worker.close(), reminderWorker.close()]), options.closeTimeoutMs ?? 20_000, log);
      await redriver.sweeping()?.catch(() => undefined);
      await Promise.all([queue.close(), reminders.close()]);
      reminderConnection.disconnect();
    })();
    return closing;
  };

  return { worker, reminderWorker, queue, ledger, planIndex, consents, reminders, redriveUnroutable, close };
}
