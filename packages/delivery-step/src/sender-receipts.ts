import type { AuditPort } from '@ipbro/audit';
import { sendFhirMessage, type DeliveryOutcome } from '@ipbro/http-client';
import { jobIdFor, RECEIPT_STATES, type MessageLedger, type MessageState } from '@ipbro/message-ledger';
import {
  cappedExponentialDelay,
  deliveryJobOptions,
  QUEUES,
  WORKER_DEFAULTS,
  type DeliverySettings,
} from '@ipbro/queues';
import type { RedisConnection } from '@ipbro/redis';
import type { Logger } from '@ipbro/service-kit';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { buildSenderReceipt, receiptIdFor, type ReceiptSender } from './receipt-message';

export interface SenderReceiptJob {
  key: string;
  state: MessageState;
}

export interface SenderReceiptOptions {
  producer: RedisConnection;
  workerConnection: RedisConnection;
  ledger: MessageLedger;
  prefix: string;
  delivery: DeliverySettings & { timeoutMs: number };
  logger: Logger;
  audit?: AuditPort;
  /** How often the ledger's receipt outbox is drained into the queue (default 500 ms). */
  sweepMs?: number;
  concurrency?: number;
  operator?: ReceiptSender;
}

export interface SenderReceipts {
  queue: Queue<SenderReceiptJob>;
  /** Moves what the outbox holds into the queue now (also run every sweepMs). */
  drain: () => Promise<number>;
  close: () => Promise<void>;
}

/** One job per message and state: a second add of the same pair is a no-op in BullMQ. */
export const receiptJobIdFor = (key: string, state: MessageState): string => `receipt_${jobIdFor(key)}_${state}`;

/**
 * Receipts pushed to senders: the ledger's move puts 'key|state' in an outbox set when a message
 * with a sourceEndpoint reaches a final state (whoever moved it: a delivery, a recipient's receipt,
 * an operator); this drains the set into a queue with a deterministic job id, and a worker posts
 * each receipt, retried with the delivery backoff like any delivery, and audited.
 */
export function startSenderReceipts(o: SenderReceiptOptions): SenderReceipts {
  const queue = new Queue<SenderReceiptJob>(QUEUES.receipts, {
    connection: o.producer,
    prefix: o.prefix,
    defaultJobOptions: deliveryJobOptions(o.delivery),
  });
  const drain = async (): Promise<number> => {
    const members = await o.ledger.pendingReceipts(100);
    const jobs = members.flatMap((m) => {
      const at = m.lastIndexOf('|');
      const state = m.slice(at + 1) as MessageState;
      return at > 0 && RECEIPT_STATES.includes(state) ? [{ key: m.slice(0, at), state }] : [];
    });
    // Queued before they leave the outbox: a crash in between adds the same job ids again, a no-op.
    await queue.addBulk(
      jobs.map((data) => ({ name: 'receipt', data, opts: { jobId: receiptJobIdFor(data.key, data.state) } }))
    );
    await o.ledger.receiptsQueued(members);
    return jobs.length;
  };
  let draining: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    draining = drain().catch((err: Error) =>
      o.logger.warn({ err: err.message }, 'receipt outbox drain failed; tried again next sweep')
    );
  }, o.sweepMs ?? 500);
  timer.unref();
  const worker = new Worker<SenderReceiptJob>(QUEUES.receipts, (job) => sendReceipt(job, o), {
    connection: o.workerConnection,
    prefix: o.prefix,
    ...WORKER_DEFAULTS,
    concurrency: o.concurrency ?? 8,
    settings: {
      backoffStrategy: (n: number) => cappedExponentialDelay(n, o.delivery.firstDelayMs, o.delivery.ceilingMs),
    },
  });
  worker.on('error', (err) => o.logger.warn({ err: err.message }, 'receipt worker error'));
  return {
    queue,
    drain,
    close: async () => {
      clearInterval(timer);
      await draining;
      await worker.close();
      await queue.close();
    },
  };
}

/** One attempt at a receipt: built from the record as it is now, posted to the sender, the outcome audited. */
async function sendReceipt(job: Job<SenderReceiptJob>, o: SenderReceiptOptions): Promise<string> {
  const { key, state } = job.data;
  const record = await o.ledger.get(key);
  const endpoint = record?.sourceEndpoint;
  if (!record || !endpoint) return 'no endpoint';
  const bundle = buildSenderReceipt(record, state, endpoint, o.operator);
  const messageId = receiptIdFor(key, state);
  const outcome = await sendFhirMessage(endpoint, bundle, { messageId, timeoutMs: o.delivery.timeoutMs });
  const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  const failed = outcome.kind === 'rejected' || (outcome.kind === 'transient' && last);
  await o.audit?.record({
    event: 'receipt.sent',
    messageId: record.id,
    who: {},
    sender: record.sender,
    messageEvent: record.event,
    outcome:
      outcome.kind === 'transient'
        ? last
          ? 'major-failure'
          : 'minor-failure'
        : failed
          ? 'serious-failure'
          : 'success',
    detail: `receipt ${state} to ${endpoint}: ${describe(outcome)}`,
  });
  if (outcome.kind === 'rejected') throw new UnrecoverableError(`the sender refused the receipt: ${outcome.reason}`);
  if (outcome.kind === 'transient') throw new Error(outcome.reason);
  return outcome.kind;
}

function describe(outcome: DeliveryOutcome): string {
  return outcome.kind === 'acknowledged'
    ? 'acknowledged'
    : outcome.kind === 'delivered'
      ? outcome.detail
      : outcome.reason;
}
