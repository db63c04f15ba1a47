import type { RedisConnection } from '@ipbro/redis';
import type { AuditPort } from '@ipbro/audit';
import { ConsentRegistry } from '@ipbro/consent-gate';
import {
  closeWithin,
  DEFAULT_DEFER_AFTER_MS,
  RecipientLimit,
  settleDeliveryStep,
  startDeliveryWorker,
} from '@ipbro/delivery-step';
import type { DeliveryStepDeps, DeliveryWorker } from '@ipbro/delivery-step';
import type { Directory } from '@ipbro/directory';
import {
  deliverDocumentFromLedger,
  REMINDER_QUEUE,
  RevisionReminders,
  sendRevisionReminder,
} from '@ipbro/document-delivery';
import type { DocumentStepDeps, ReminderJobData } from '@ipbro/document-delivery';
import { DEFAULT_PREFIX, MessageLedger, type BodyCipherLike } from '@ipbro/message-ledger';
import { PlanIndex, type PatientKeyer } from '@ipbro/plan-index';
import { QUEUES, resolveAttempts, type DeliverySettings } from '@ipbro/queues';
import { documentOutcomesCounter, type Logger } from '@ipbro/service-kit';
import { Worker } from 'bullmq';
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
  /** The audit trail of attempts, outcomes and re-drives (documents and revision reminders). */
  audit?: AuditPort;
  delivery: DeliverySettings & { timeoutMs: number };
  prefix?: string;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Deliveries in progress at once (default 16). */
  concurrency?: number;
  /**
   * Exchanges in flight with one recipient at once, whatever the concurrency (default 8): a slow one leaves the other
   * slots to the rest.
   */
  concurrencyPerRecipient?: number;
  /**
   * A delivery whose recipient is busy for longer than this (ms) goes back to the queue for about that long (default
   * DEFAULT_DEFER_AFTER_MS, 2 s).
   */
  deferAfterMs?: number;
  closeTimeoutMs?: number;
  /** How often unroutable documents are looked at again, besides directory reloads (default 60 s). */
  sweepMs?: number;
  tokenFor?: DeliveryStepDeps['tokenFor'];
  /** REDIS_MIN_REPLICAS_ACK > 0: the replica wait on `producer` before a final or handed-on job completes. */
  confirmReplicated?: DeliveryStepDeps['confirmReplicated'];
  registry?: Registry;
  now?: () => Date;
}

const DOCUMENT_EVENTS = ['ip-plan-copy', 'koordinator-handover', 'epikrise'];

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
  const prefix = o.prefix ?? DEFAULT_PREFIX;
  const ledger = new MessageLedger(o.producer, { prefix, ...(o.cipher ? { cipher: o.cipher } : {}) });
  const planIndex = new PlanIndex(o.producer, prefix);
  const consents = new ConsentRegistry(o.producer, prefix);
  const maxAttempts = resolveAttempts(o.delivery);
  const reminders = new RevisionReminders(o.producer, prefix, {
    attempts: maxAttempts,
    firstDelayMs: o.delivery.firstDelayMs,
  });
  const deps: DocumentStepDeps & { recipientLimit: RecipientLimit } = {
    ledger,
    directory: o.directory,
    timeoutMs: o.delivery.timeoutMs,
    maxAttempts,
    consents,
    patientKey: o.patientKey,
    recipientLimit: new RecipientLimit(o.concurrencyPerRecipient ?? 8),
    deferAfterMs: o.deferAfterMs ?? DEFAULT_DEFER_AFTER_MS,
    ...(o.tokenFor ? { tokenFor: o.tokenFor } : {}),
    ...(o.now ? { now: o.now } : {}),
    ...(o.audit ? { audit: o.audit } : {}),
    ...(o.confirmReplicated ? { confirmReplicated: o.confirmReplicated } : {}),
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
