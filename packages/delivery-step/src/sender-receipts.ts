import type { AuditPort } from '@ipbro/audit';
import type { Directory } from '@ipbro/directory';
import { sendFhirMessage, type DeliveryOutcome } from '@ipbro/http-client';
import {
  jobIdFor,
  RECEIPT_STATES,
  senderOfLedgerKey,
  type MessageLedger,
  type MessageState,
} from '@ipbro/message-ledger';
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
import { receiptRouteFor } from './receipt-route';

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
  /** The way back for senders that named no source.endpoint: their koordinerende enhet, when listed. */
  directory?: Directory;
}

export interface SenderReceipts {
  queue: Queue<SenderReceiptJob>;
  /** Moves what the outbox holds into the queue now (also run every sweepMs). */
  drain: () => Promise<number>;
  close: () => Promise<void>;
}

/** One job per message and state: a second add of the same pair is a no-op in BullMQ. */
export const receiptJobIdFor = (key: string, state: MessageState): string => `receipt_${jobIdFor(key)}_${state}`;

/** Outbox members read per batch, and batches per sweep: a burst of final states drains within a few sweeps. */
const DRAIN_BATCH = 200;
const DRAIN_BATCHES_PER_SWEEP = 20;

/**
 * Receipts pushed to senders: the ledger's move puts 'key|state' in an outbox set when a message
 * reaches a final state (whoever moved it: a delivery, a recipient's receipt, an operator); this
 * drains the set into a queue with a deterministic job id, keeping only those with a way back, and a
 * worker posts each receipt, retried with the delivery backoff like any delivery, and audited.
 */
export function startSenderReceipts(o: SenderReceiptOptions): SenderReceipts {
  const queue = new Queue<SenderReceiptJob>(QUEUES.receipts, {
    connection: o.producer,
    prefix: o.prefix,
    defaultJobOptions: deliveryJobOptions(o.delivery),
  });
  const drainBatch = async (): Promise<{ read: number; queued: number }> => {
    const members = await o.ledger.pendingReceipts(DRAIN_BATCH);
    const owed = await owedReceipts(members, o);
    // Queued before they leave the outbox: a crash in between adds the same job ids again, a no-op.
    await queue.addBulk(
      owed.map((data) => ({ name: 'receipt', data, opts: { jobId: receiptJobIdFor(data.key, data.state) } }))
    );
    await o.ledger.receiptsQueued(members);
    return { read: members.length, queued: owed.length };
  };
  const drain = async (): Promise<number> => {
    let queued = 0;
    for (let i = 0; i < DRAIN_BATCHES_PER_SWEEP; i++) {
      const batch = await drainBatch();
      queued += batch.queued;
      if (batch.read < DRAIN_BATCH) break;
    }
    return queued;
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

/**
 * The outbox members that earn a receipt: a final state of a sender with a way back (its
 * directory entry, else its record's source.endpoint, read only for senders the directory cannot answer).
 */
async function owedReceipts(members: string[], o: SenderReceiptOptions): Promise<SenderReceiptJob[]> {
  const parsed = members.flatMap((m) => {
    const at = m.lastIndexOf('|');
    const state = m.slice(at + 1) as MessageState;
    return at > 0 && RECEIPT_STATES.includes(state) ? [{ key: m.slice(0, at), state }] : [];
  });
  const listed = (key: string) => receiptRouteFor({ sender: senderOfLedgerKey(key) }, o.directory).kind === 'endpoint';
  const unlisted = new Set(parsed.filter((j) => !listed(j.key)).map((j) => j.key));
  const named = new Set((await o.ledger.getMany([...unlisted])).filter((r) => r.sourceEndpoint).map((r) => r.key));
  return parsed.filter((j) => !unlisted.has(j.key) || named.has(j.key));
}

/** One attempt at a receipt: built from the record as it is now, posted to the sender, the outcome audited. */
async function sendReceipt(job: Job<SenderReceiptJob>, o: SenderReceiptOptions): Promise<string> {
  const { key, state } = job.data;
  const record = await o.ledger.get(key);
  if (!record) return 'no record';
  const route = receiptRouteFor(record, o.directory);
  if (route.kind === 'none') return `no way back: ${route.reason}`;
  const endpoint = route.endpoint;
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
