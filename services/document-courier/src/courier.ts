import type { RedisConnection } from '@ipbro/redis';
import { ConsentRegistry } from '@ipbro/consent-gate';
import { closeWithin, serviceStepDeps, settleDeliveryStep, startDeliveryWorker } from '@ipbro/delivery-step';
import type { DeliveryServiceOptions, DeliveryWorker, ServiceStepDeps } from '@ipbro/delivery-step';
import {
  deliverDocumentFromLedger,
  REMINDER_QUEUE,
  RevisionReminders,
  sendRevisionReminder,
} from '@ipbro/document-delivery';
import type { DocumentStepDeps, ReminderJobData } from '@ipbro/document-delivery';
import type { MessageLedger } from '@ipbro/message-ledger';
import { RenderedPdfCache } from '@ipbro/plan-document';
import { PlanIndex, type PatientKeyer } from '@ipbro/plan-index';
import { QUEUES } from '@ipbro/queues';
import { documentOutcomesCounter } from '@ipbro/service-kit';
import { Worker } from 'bullmq';

/** The shared worker options (defaults here: 16 deliveries at once, 8 to one recipient), the person key and the clock. */
export interface CourierOptions extends DeliveryServiceOptions {
  patientKey: PatientKeyer;
  now?: () => Date;
}

const DOCUMENT_EVENTS = ['ip-plan-copy', 'koordinator-handover', 'epikrise'];
/** Rendered plan PDFs kept in memory (each some tens of kB). */
const RENDERED_PDFS_KEPT = 32;

export interface DocumentCourier extends DeliveryWorker {
  reminderWorker: Worker<ReminderJobData>;
  ledger: MessageLedger;
  planIndex: PlanIndex;
  consents: ConsentRegistry;
  reminders: RevisionReminders;
}

/**
 * The document courier: a worker on the documents queue (ip-plan-copy, koordinator-handover,
 * epikrise), one delivery attempt per job (deliverDocumentFromLedger) in the shared worker
 * (startDeliveryWorker); rejected and dead fail the job, blocked completes it. A second worker sends the revision
 * reminders that come due, through the same delivery step, its recipient limit and its trail.
 */
export function startDocumentCourier(o: CourierOptions): DocumentCourier {
  const { prefix, ledger, deps: shared } = serviceStepDeps(o, { concurrencyPerRecipient: 8 });
  const planIndex = new PlanIndex(o.producer, prefix);
  const consents = new ConsentRegistry(o.producer, prefix);
  const reminders = new RevisionReminders(o.producer, prefix, {
    attempts: shared.maxAttempts,
    firstDelayMs: o.delivery.firstDelayMs,
  });
  const deps: DocumentStepDeps & ServiceStepDeps = {
    ...shared,
    consents,
    patientKey: o.patientKey,
    // A plan copy retried, or written again unchanged, is not rendered again.
    renderedPdfs: new RenderedPdfCache(RENDERED_PDFS_KEPT),
    ...(o.now ? { now: o.now } : {}),
  };
  const outcomes = o.registry ? documentOutcomesCounter(o.registry) : undefined;
  const documents = startDeliveryWorker({
    ...o,
    queue: QUEUES.documents,
    prefix,
    deps,
    concurrency: o.concurrency ?? 16,
    step: (job) => deliverDocumentFromLedger(job, deps),
    redrive: {
      directory: o.directory,
      events: DOCUMENT_EVENTS,
      modes: ['fhir-message', 'fhir-rest'],
      sweepMs: o.sweepMs,
    },
    countOutcome: (job, record) => outcomes?.inc({ event: job.event, state: record.state }),
    logMeta: (job, record) => ({
      messageId: job.messageId,
      sender: job.sender,
      event: job.event,
      attempts: record?.attempts,
      state: record?.state,
      recipient: record?.recipient?.orgnr,
    }),
  });
  const { worker: reminderWorker, connection: reminderConnection } = startReminderWorker(
    o,
    { ...deps, planIndex },
    prefix
  );

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await Promise.all([documents.close(), closeWithin(reminderWorker.close(), o.closeTimeoutMs ?? 20_000, o.logger)]);
      await reminders.close();
      reminderConnection.disconnect();
    })();
    return closing;
  };
  return { ...documents, reminderWorker, ledger, planIndex, consents, reminders, close };
}

/** The revision reminders that come due, each delivered through the shared delivery step (sendRevisionReminder). */
function startReminderWorker(
  o: CourierOptions,
  deps: DocumentStepDeps & { planIndex: PlanIndex },
  prefix: string
): { worker: Worker<ReminderJobData>; connection: RedisConnection } {
  const log = o.logger;
  const connection = o.workerConnection.duplicate();
  const worker = new Worker<ReminderJobData>(
    REMINDER_QUEUE,
    async (job, token) => {
      const outcome = await sendRevisionReminder(job.data, deps);
      const meta = { plan: job.data.plan, revision: job.data.nextRevision };
      if (outcome.kind === 'retry' || outcome.kind === 'defer') {
        return settleDeliveryStep(outcome, job, token, o.delivery, log, { ...meta, messageId: outcome.record?.id });
      }
      const result =
        outcome.kind === 'sent'
          ? { messageId: outcome.record.id, state: outcome.record.state }
          : { skipped: outcome.reason };
      log.info({ ...meta, ...result }, 'revision reminder');
    },
    {
      connection,
      prefix,
      concurrency: 4,
      ...(o.lockDurationMs ? { lockDuration: o.lockDurationMs } : {}),
      ...(o.stalledIntervalMs ? { stalledInterval: o.stalledIntervalMs } : {}),
    }
  );
  worker.on('error', (err) => log.error({ err: err.message }, 'reminder worker error'));
  return { worker, connection };
}
