import type { RedisConnection } from '@ipbro/redis';
import type { AuditPort } from '@ipbro/audit';
import {
  DEFAULT_DEFER_AFTER_MS,
  RecipientLimit,
  startDeliveryWorker,
  startSenderReceipts,
  type ReceiptSender,
} from '@ipbro/delivery-step';
import type { DeliveryStepDeps, DeliveryWorker } from '@ipbro/delivery-step';
import type { Directory } from '@ipbro/directory';
import { deliverFromLedger, type MeldepliktDeliveryDeps } from '@ipbro/meldeplikt-delivery';
import { DEFAULT_PREFIX, MessageLedger, type BodyCipherLike } from '@ipbro/message-ledger';
import { QUEUES, resolveAttempts, type DeliverySettings } from '@ipbro/queues';
import { meldepliktOutcomesCounter, type Logger } from '@ipbro/service-kit';
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
  /** Message bodies at rest (IPBRO_ENCRYPTION_KEY): the gateway's cipher. */
  cipher?: BodyCipherLike;
  /** The audit trail of attempts, outcomes and re-drives. */
  audit?: AuditPort;
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
  /** REDIS_MIN_REPLICAS_ACK > 0: the replica wait on `producer` before a final or handed-on job completes. */
  confirmReplicated?: DeliveryStepDeps['confirmReplicated'];
  /** Where deliveries_total{state} is counted. */
  registry?: Registry;
  /** Receipts pushed to senders (every service's final states, drained from the ledger's outbox): off when false. */
  senderReceipts?: boolean;
  /** How often the receipt outbox is drained (default 500 ms). */
  receiptSweepMs?: number;
  /** Receipts posted at once (default 8). */
  receiptConcurrency?: number;
  /** Who signs the receipts IP-bro decides itself (default DEFAULT_RECEIPT_SENDER). */
  receiptSender?: ReceiptSender;
}

export interface MeldepliktRouter extends DeliveryWorker {
  ledger: MessageLedger;
}

/**
 * The meldeplikt worker: each job is one delivery attempt (deliverFromLedger) in the shared worker
 * (startDeliveryWorker): a transient failure is retried with the capped exponential backoff (or
 * after the recipient's Retry-After, when that is longer); rejected and dead end the job.
 */
export function startMeldepliktRouter(o: RouterOptions): MeldepliktRouter {
  const prefix = o.prefix ?? DEFAULT_PREFIX;
  const ledger = new MessageLedger(o.producer, { prefix, ...(o.cipher ? { cipher: o.cipher } : {}) });
  const deps: MeldepliktDeliveryDeps & { recipientLimit: RecipientLimit } = {
    ledger,
    directory: o.directory,
    timeoutMs: o.delivery.timeoutMs,
    maxAttempts: resolveAttempts(o.delivery),
    recipientLimit: new RecipientLimit(o.concurrencyPerRecipient ?? 16),
    deferAfterMs: o.deferAfterMs ?? DEFAULT_DEFER_AFTER_MS,
    ...(o.tokenFor ? { tokenFor: o.tokenFor } : {}),
    ...(o.audit ? { audit: o.audit } : {}),
    ...(o.confirmReplicated ? { confirmReplicated: o.confirmReplicated } : {}),
  };
  const outcomes = o.registry ? meldepliktOutcomesCounter(o.registry) : undefined;
  const worker = startDeliveryWorker({
    ...o,
    queue: QUEUES.meldeplikt,
    prefix,
    deps,
    concurrency: o.concurrency ?? 64,
    step: (job) => deliverFromLedger(job, deps),
    redrive: { directory: o.directory, events: ['meldeplikt', 'meldeplikt-svar'], sweepMs: o.sweepMs },
    countOutcome: (_job, record) => outcomes?.inc({ state: record.state }),
    logMeta: (job, record) => ({
      messageId: job.messageId,
      sender: job.sender,
      attempts: record?.attempts,
      state: record?.state,
      recipient: record?.recipient?.kommunenummer,
    }),
  });
  const receipts =
    o.senderReceipts === false
      ? undefined
      : startSenderReceipts({
          producer: o.producer,
          workerConnection: o.workerConnection,
          ledger,
          directory: o.directory,
          prefix,
          delivery: o.delivery,
          logger: o.logger,
          ...(o.audit ? { audit: o.audit } : {}),
          ...(o.receiptSweepMs ? { sweepMs: o.receiptSweepMs } : {}),
          ...(o.receiptConcurrency ? { concurrency: o.receiptConcurrency } : {}),
          ...(o.receiptSender ? { operator: o.receiptSender } : {}),
        });
  if (!receipts) return { ...worker, ledger };
  return {
    ...worker,
    ledger,
    close: async () => {
      await receipts.close();
      await worker.close();
    },
  };
}
