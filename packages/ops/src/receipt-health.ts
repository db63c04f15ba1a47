import { senderOfLedgerKey, type MessageRecord } from '@ipbro/message-ledger';
import type { Job, Queue } from 'bullmq';
import { byConcern, withAttempts, type Attempt, type RecipientHealth } from './recipient-health';

/** A receipts-queue job as the row builder reads it: where it stands and what its attempts came to. */
export interface ReceiptJobView {
  /** The ledger key of the message the receipt is for: `${senderOrgnr}:${messageId}`. */
  key: string;
  status: 'waiting' | 'delayed' | 'active' | 'failed' | 'completed';
  /** Attempts that ended (BullMQ's count): failures, and for a completed job its last, successful one. */
  attemptsMade: number;
  processedOn?: number;
  finishedOn?: number;
  failedReason?: string;
  returnvalue?: unknown;
}

/** How many jobs of each kind are read: pending per state, failed, and the most recent completed. */
export interface ReceiptJobLimits {
  pending: number;
  failed: number;
  completed: number;
}

export const RECEIPT_JOB_LIMITS: ReceiptJobLimits = { pending: 1000, failed: 1000, completed: 500 };

/** The row id of receipts to a sender: apart from `sender:` rows (its meldeplikt-svar going back). */
export const receiptRowId = (orgnr: string): string => `receipts:org:${orgnr}`;

const STATUSES = ['waiting', 'delayed', 'active', 'failed', 'completed'] as const;

/**
 * The receipts queue's jobs through BullMQ's own API, each state read up to its limit (the completed
 * ones newest first): a count past a limit is low, which at IP volumes only a long outage reaches.
 */
export async function readReceiptJobs(queue: Queue, limits = RECEIPT_JOB_LIMITS): Promise<ReceiptJobView[]> {
  const limitOf = (s: (typeof STATUSES)[number]) =>
    s === 'failed' ? limits.failed : s === 'completed' ? limits.completed : limits.pending;
  const lists = await Promise.all(
    STATUSES.map(async (status) => {
      const jobs: (Job | undefined)[] = await queue.getJobs([status], 0, limitOf(status) - 1, false);
      return jobs.flatMap((j) => (j ? [viewOf(j, status)] : []));
    })
  );
  return lists.flat().filter((j) => j.key.includes(':'));
}

function viewOf(j: Job, status: ReceiptJobView['status']): ReceiptJobView {
  const key = (j.data as { key?: unknown } | undefined)?.key;
  return {
    key: typeof key === 'string' ? key : '',
    status,
    attemptsMade: j.attemptsMade ?? 0,
    ...(j.processedOn ? { processedOn: j.processedOn } : {}),
    ...(j.finishedOn ? { finishedOn: j.finishedOn } : {}),
    ...(j.failedReason ? { failedReason: j.failedReason } : {}),
    ...(j.returnvalue !== undefined && j.returnvalue !== null ? { returnvalue: j.returnvalue } : {}),
  };
}

/** A completed job that found no way back to the sender ('no endpoint' …): nothing was sent, so it is no attempt. */
const foundNoWay = (j: ReceiptJobView) =>
  j.status === 'completed' && typeof j.returnvalue === 'string' && j.returnvalue.startsWith('no ');

/**
 * A job's attempts as events in time: a completed job one success (the failures before it are ended
 * by it); a failed or pending one its failures, dated at its last attempt (BullMQ keeps no time per attempt).
 */
function eventOf(j: ReceiptJobView): Attempt | undefined {
  if (j.status === 'completed') return j.finishedOn ? { at: j.finishedOn, ok: true, failures: 0 } : undefined;
  const at = j.status === 'failed' ? (j.finishedOn ?? j.processedOn) : j.processedOn;
  if (!at || j.attemptsMade === 0) return undefined;
  return { at, ok: false, failures: j.attemptsMade, ...(j.failedReason ? { detail: j.failedReason } : {}) };
}

/** The sender's endpoint (its latest sourceEndpoint) and name (from an answer going back to it), when the ledger knows. */
function sendersOf(records: MessageRecord[]): Map<string, { endpoint?: string; name?: string; at: string }> {
  const out = new Map<string, { endpoint?: string; name?: string; at: string }>();
  for (const r of records) {
    const known = out.get(r.sender) ?? { at: '' };
    if (r.sourceEndpoint && r.updatedAt >= known.at)
      Object.assign(known, { endpoint: r.sourceEndpoint, at: r.updatedAt });
    out.set(r.sender, known);
    const back = r.recipient;
    if (back?.kind === 'sender' && back.orgnr && back.name) {
      const party = out.get(back.orgnr) ?? { at: '' };
      party.name ??= back.name;
      out.set(back.orgnr, party);
    }
  }
  return out;
}

/**
 * One row per sender organisation that receipts go to (kind `sender`, id `receipts:org:<orgnr>`), from
 * the receipts queue's jobs: backlog (waiting, delayed, active), dead (failed for good), last success
 * and attempt, failures in a row across its receipts, the last error. The ledger adds the sender's
 * endpoint and name when it knows them; a row never needs them (the endpoint may come from the directory).
 */
export function receiptHealth(jobs: ReceiptJobView[], records: MessageRecord[]): RecipientHealth[] {
  const bySender = new Map<string, { health: RecipientHealth; events: Attempt[] }>();
  const known = sendersOf(records);
  for (const job of jobs) {
    if (foundNoWay(job)) continue;
    const orgnr = senderOfLedgerKey(job.key);
    let entry = bySender.get(orgnr);
    if (!entry) {
      const { endpoint, name } = known.get(orgnr) ?? {};
      const health: RecipientHealth = {
        id: receiptRowId(orgnr),
        kind: 'sender',
        ...(name ? { name } : {}),
        orgnr,
        ...(endpoint ? { endpoint } : {}),
        backlog: 0,
        awaitingReceipt: 0,
        dead: 0,
        consecutiveFailures: 0,
      };
      entry = { health, events: [] };
      bySender.set(orgnr, entry);
    }
    if (job.status === 'failed') entry.health.dead++;
    else if (job.status !== 'completed') entry.health.backlog++;
    const event = eventOf(job);
    if (event) entry.events.push(event);
  }
  return [...bySender.values()].map(({ health, events }) => withAttempts(health, events)).sort(byConcern);
}

/** The receipt rows from the queue as it is now, with what the ledger knows of each sender. */
export async function receiptHealthOf(
  queue: Queue,
  records: MessageRecord[],
  limits = RECEIPT_JOB_LIMITS
): Promise<RecipientHealth[]> {
  return receiptHealth(await readReceiptJobs(queue, limits), records);
}
