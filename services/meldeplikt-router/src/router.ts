import { serviceStepDeps, startDeliveryWorker, startSenderReceipts } from '@ipbro/delivery-step';
import type { DeliveryServiceOptions, DeliveryWorker, ReceiptSender } from '@ipbro/delivery-step';
import { deliverFromLedger } from '@ipbro/meldeplikt-delivery';
import type { MessageLedger } from '@ipbro/message-ledger';
import { QUEUES } from '@ipbro/queues';
import { meldepliktOutcomesCounter } from '@ipbro/service-kit';

/** The shared worker options (defaults here: 64 deliveries at once, 16 to one recipient) and the receipts to senders. */
export interface RouterOptions extends DeliveryServiceOptions {
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
  const { prefix, ledger, deps } = serviceStepDeps(o, { concurrencyPerRecipient: 16 });
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
