import type { AuditPort } from '@ipbro/audit';
import type { ResolvedRecipient } from '@ipbro/directory';
import { FINAL_STATES, type MessageLedger, type MessageRecord, type Recipient } from '@ipbro/message-ledger';
import type { DeliveryJobData } from '@ipbro/queues';
import type { ConfirmReplicated } from '@ipbro/redis';
import { applyOutcome, type StepOutcome } from './apply-outcome';
import { deferralIfBusy, inRecipientSlot } from './deferral';
import { deliveryAttemptEntry } from './delivery-audit';
import type { RecipientLimit } from './recipient-limit';

/** A delivery job: the ledger key and metadata, never the body (the queues' job data). */
export type DeliveryJob = DeliveryJobData;

/** What every delivery step is given by its worker (explicitly: nothing is found in module state). */
export interface DeliveryStepDeps {
  ledger: MessageLedger;
  /** Attempts in all (across retries and re-drives); a transient failure on the last one is `dead`. */
  maxAttempts: number;
  /** The audit trail of attempts and outcomes. */
  audit?: AuditPort;
  /** A bearer token for a recipient whose directory entry says `requiresToken`. */
  tokenFor?: (recipient: ResolvedRecipient) => Promise<string | undefined>;
  /** Caps this process's parallel sends to each recipient (none: as many as the worker runs). */
  recipientLimit?: RecipientLimit;
  /**
   * A delivery that would wait longer than this (ms) for a slot to its recipient (recipientLimit's
   * estimate) is handed back to the queue for about that long (`defer`) instead of holding a worker
   * slot while deliveries to other recipients wait behind it. Unset: every delivery waits its turn.
   */
  deferAfterMs?: number;
  /**
   * REDIS_MIN_REPLICAS_ACK > 0: awaited after a move that ends or hands on a message, before its job
   * is completed; a rejection fails the job so BullMQ runs it again. Unset: no replica wait.
   */
  confirmReplicated?: ConfirmReplicated;
}

export type StepResult =
  /** Nothing more to do for this job: acknowledged, delivered, blocked by consent, unroutable (kept for re-drive), or already final. */
  | {
      kind: 'done';
      record: MessageRecord;
      /** Nothing was done: the message was already final or delivered. */ unchanged?: true;
    }
  /** The ledger says `retrying`: the queue should try again, not before `retryAfterMs` when given. */
  | { kind: 'retry'; reason: string; record: MessageRecord; attempt: number; retryAfterMs?: number }
  /** The ledger says `rejected` or `dead`: never retried. */
  | { kind: 'fatal'; reason: string; record: MessageRecord }
  /**
   * Not attempted (the ledger is unchanged): its recipient is busy for longer than `deferAfterMs`;
   * run the job again in `delayMs`. Without `record` when decided from the job alone, before the ledger was read.
   */
  | { kind: 'defer'; reason: string; record?: MessageRecord; delayMs: number; endpoint: string };

/** A stored message's record and its bytes (decrypted). */
export interface LoadedRecord {
  record: MessageRecord;
  body: Buffer;
}

/** A stored message as the step loaded it, with its job. */
export interface LoadedMessage extends LoadedRecord {
  job: DeliveryJob;
}

/** Where a message goes, and what the channel's send needs (`payload`: the bytes to post, the parsed bundle …). */
export interface Routed<P> {
  kind: 'recipient';
  /** The recipient's endpoint: the key of its slots in the recipient limit. */
  endpoint: string;
  /** The recipient as the ledger and the audit trail name it. */
  recipient: Recipient;
  /** Its directory entry, when it has one: a token is fetched first when it says `requiresToken`. */
  resolved?: ResolvedRecipient;
  payload: P;
}

/** A channel's routing: a recipient, none (`unroutable`, kept for re-drive), or one the message may not go to (`blocked`). */
export type RouteDecision<P> =
  Routed<P> | { kind: 'unroutable'; reason: string } | { kind: 'blocked'; reason: string; recipient: Recipient };

/**
 * What one kind of worker supplies to the shared delivery step: how to route and how to send. The
 * step does the rest, the same for all: load, defer when the recipient is busy, token, the attempt's
 * audit record, the send in one of the recipient's slots, and the outcome applied (applyOutcome).
 */
export interface DeliveryChannel<P = unknown, H extends { endpoint?: string } = { endpoint?: string }> {
  /**
   * A route from the job alone, before the ledger is read (optional): a recipient known to be busy
   * then sends the job back without its body being read and decrypted. Handed to `route`.
   */
  routeJob?(job: DeliveryJob): H | undefined;
  /** Where the loaded message goes. Throws when the stored message cannot be read: it ends `dead`. */
  route(message: LoadedMessage, fromJob: H | undefined): RouteDecision<P> | Promise<RouteDecision<P>>;
  /** The exchange with the recipient, and what it came to. A failure of the recipient's is an outcome, not a throw. */
  send(route: Routed<P>, attempt: { record: MessageRecord; attempt: number; token?: string }): Promise<StepOutcome>;
}

/**
 * One delivery attempt of a message in the ledger through `channel`: nothing when it is final or
 * already taken; `defer` when its recipient is busy; else the attempt recorded, sent in one of the
 * recipient's slots, and its outcome applied with its audit record. The attempt number is the
 * ledger's, so it counts on across re-drives and is not bumped by a worker that died mid-way.
 */
export async function runDeliveryStep<P, H extends { endpoint?: string }>(
  job: DeliveryJob,
  channel: DeliveryChannel<P, H>,
  deps: DeliveryStepDeps
): Promise<StepResult> {
  const fromJob = channel.routeJob?.(job);
  if (fromJob?.endpoint) {
    const deferral = deferralIfBusy(fromJob.endpoint, undefined, deps);
    if (deferral) return deferral;
  }
  const loaded = await loadForDelivery(job, deps.ledger);
  if ('kind' in loaded) {
    // A job run again after its replica wait failed finds the state final: it is done once that is confirmed.
    if (deps.confirmReplicated) await deps.confirmReplicated();
    return loaded;
  }
  const { record } = loaded;
  let route: RouteDecision<P>;
  try {
    route = await channel.route({ job, record, body: loaded.body }, fromJob);
  } catch (err) {
    // No retry can mend a stored message that cannot be read: it ends dead, where ops can see it.
    return applyOutcome(
      record,
      { kind: 'dead', reason: `the stored message cannot be read: ${(err as Error).message}` },
      deps
    );
  }
  if (route.kind === 'unroutable') return applyOutcome(record, route, deps);
  if (route.kind === 'blocked') return applyOutcome(record, route, deps, { recipient: route.recipient });
  if (route.endpoint !== fromJob?.endpoint) {
    const deferral = deferralIfBusy(route.endpoint, record, deps);
    if (deferral) return deferral;
  }
  const attempt = record.attempts + 1;
  const patch = { attempts: attempt, recipient: route.recipient };
  const auth = route.resolved ? await recipientToken(route.resolved, deps) : {};
  if ('failure' in auth) return applyOutcome(record, { kind: 'transient', reason: auth.failure }, deps, patch);
  // The attempt's record goes to Redis before the send leaves, and the send does not wait for its
  // reply (record() never rejects); it is awaited before the outcome, so the trail keeps the order.
  const recording = deps.audit?.record(
    deliveryAttemptEntry(record, { ...route.recipient, endpoint: route.endpoint }, attempt)
  );
  const outcome = await inRecipientSlot(route.endpoint, deps, () =>
    channel.send(route, { record, attempt, token: auth.token })
  );
  await recording;
  return applyOutcome(record, outcome, deps, patch);
}

/**
 * The start of every delivery step: the stored message (its UTF-8 bytes, decrypted) and its record
 * (written here when this worker got to the job before the gateway wrote it), or `done` when there
 * is nothing to do: final, or already taken by the recipient (a job run again after its worker died
 * past the send).
 */
export async function loadForDelivery(job: DeliveryJob, ledger: MessageLedger): Promise<LoadedRecord | StepResult> {
  const stored = await ledger.getWithBodyBytes(job.key);
  if (!stored.body) throw new Error(`Message ${job.key} has no body in the ledger`);
  const record =
    stored.record ??
    (await ledger.ensureRecord({ key: job.key, id: job.messageId, sender: job.sender, event: job.event })).record;
  if (FINAL_STATES.includes(record.state) || record.state === 'delivered')
    return { kind: 'done', record, unchanged: true };
  return { body: stored.body, record };
}

/**
 * The bearer token for a recipient whose directory entry says `requiresToken` (none for the others),
 * or why there is none: a transient failure, as the token server may answer next time.
 */
export async function recipientToken(
  recipient: ResolvedRecipient,
  deps: Pick<DeliveryStepDeps, 'tokenFor'>
): Promise<{ token?: string } | { failure: string }> {
  if (!recipient.target.requiresToken) return {};
  let token: string | undefined;
  try {
    token = await deps.tokenFor?.(recipient);
  } catch (err) {
    return { failure: `no token for ${recipient.party.name}: ${(err as Error).message}` };
  }
  return token ? { token } : { failure: `no token source configured for ${recipient.party.name}, which requires one` };
}
