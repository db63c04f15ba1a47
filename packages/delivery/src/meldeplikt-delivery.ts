import type { Directory, ResolvedRecipient } from '@ipbro/directory';
import { FINAL_STATES, type MessageLedger, type MessageRecord } from '@ipbro/message-ledger';
import type { DeliveryJobData } from '@ipbro/queues';
import type { Bundle } from '@medplum/fhirtypes';
import { transitionAudited } from './audited-transition';
import { deliveryAttemptEntry, deliveryAuditOf, type DeliveryAudit } from './delivery-audit';
import { classifyDelivery } from './delivery-outcome';
import { looksWhole, messageWithDestination, postMessage, spliceDestination } from './fhir-message-client';
import { routeByHints, routeMessage, type RoutingDecision } from './message-routing';
import type { RecipientLimit } from './recipient-limit';

export interface DeliveryStepDeps {
  ledger: MessageLedger;
  directory: Directory;
  timeoutMs: number;
  /** Attempts in all (across retries and re-drives); a transient failure on the last one is `dead`. */
  maxAttempts: number;
  /** A bearer token for a recipient whose directory entry says `requiresToken`. */
  tokenFor?: (recipient: ResolvedRecipient) => Promise<string | undefined>;
  /** The audit trail of attempts and outcomes (default: the one `useDeliveryAudit` set, if any). */
  audit?: DeliveryAudit;
  /** Caps this process's parallel posts to each recipient (none: as many as the worker runs). */
  recipientLimit?: RecipientLimit;
  /**
   * A delivery that would wait longer than this (ms) for a slot to its recipient (recipientLimit's
   * estimate) is handed back to the queue for about that long (`defer`) instead of holding a worker
   * slot while deliveries to other recipients wait behind it. Unset: every delivery waits its turn.
   */
  deferAfterMs?: number;
}

/** The longest a deferred delivery stays away before it looks at its recipient again. */
export const MAX_DEFER_MS = 60_000;
/** The router's and the courier's deferAfterMs unless configured (ROUTER_DEFER_AFTER_MS, COURIER_DEFER_AFTER_MS): far above a healthy recipient's line. */
export const DEFAULT_DEFER_AFTER_MS = 2000;

/** A delivery job: the ledger key and metadata, never the body (the queues' job data). */
export type DeliveryJob = DeliveryJobData;

export type StepResult =
  /** Nothing more to do for this job: acknowledged, delivered, unroutable (kept for re-drive), or already final. */
  | { kind: 'done'; record: MessageRecord; /** Nothing was done: the message was already final or delivered. */ unchanged?: true }
  /** The ledger says `retrying`: the queue should try again, not before `retryAfterMs` when given. */
  | { kind: 'retry'; reason: string; record: MessageRecord; attempt: number; retryAfterMs?: number }
  /** The ledger says `rejected` or `dead`: never retried. */
  | { kind: 'fatal'; reason: string; record: MessageRecord }
  /**
   * Not attempted (the ledger is unchanged): its recipient is busy for longer than `deferAfterMs`;
   * run the job again in `delayMs`. Without `record` when decided from the job's hints, before the ledger was read.
   */
  | { kind: 'defer'; reason: string; record?: MessageRecord; delayMs: number; endpoint: string };

/**
 * One delivery attempt of a message in the ledger, to the koordinerende enhet of the patient's home
 * kommune (or the explicit destination): unroutable when the directory knows no recipient;
 * otherwise post, classify the answer, and write the outcome to the ledger with its audit record.
 * The attempt number is the ledger's (so it counts on across re-drives and is not bumped by a
 * worker that died mid-way).
 */
export async function deliverFromLedger(job: DeliveryJob, deps: DeliveryStepDeps): Promise<StepResult> {
  // The gateway puts the routing hints in the job: route by them and splice the destination into the
  // stored bytes, without decoding or parsing the body (the largest share of a delivery's own CPU).
  // Jobs without hints (re-drives) and texts the splice cannot be sure of take the parsing path.
  const hinted = job.homeKommune !== undefined || job.destination !== undefined;
  const hintedRoute = hinted ? routeByHints(job.event, { homeKommune: job.homeKommune, destination: job.destination }, deps.directory) : undefined;
  // A recipient known to be busy sends the job back before the ledger is read: a backlog to a
  // kommune that stopped answering bounces without reading and decrypting each body every time.
  if (hintedRoute?.kind === 'recipient') {
    const deferral = deferralIfBusy(hintedRoute.endpoint, undefined, deps);
    if (deferral) return deferral;
  }
  const loaded = await loadForDelivery(job, deps.ledger);
  if ('kind' in loaded) return loaded;
  const { record, body } = loaded;

  let bundle: Bundle | undefined;
  let route: RoutingDecision;
  try {
    if (hintedRoute && looksWhole(body)) {
      route = hintedRoute;
    } else {
      bundle = JSON.parse(body.toString('utf8')) as Bundle;
      route = routeMessage(record.event, bundle, deps.directory);
    }
  } catch (err) {
    return unreadableStep(record, err, deps);
  }
  if (route.kind === 'unroutable') return { kind: 'done', record: await transitionAudited(deps, record, 'unroutable', route.reason) };
  if (route !== hintedRoute) {
    const deferral = deferralIfBusy(route.endpoint, record, deps);
    if (deferral) return deferral;
  }

  const attempt = record.attempts + 1;
  const patch = { attempts: attempt, recipient: route.ledgerRecipient };
  const auth = await recipientToken(route.recipient, deps);
  if ('failure' in auth) return transientStep(record, auth.failure, attempt, deps, patch);
  const destination = { endpoint: route.endpoint, name: route.recipient.party.name, orgnr: route.recipient.party.orgnr };
  let outgoing = bundle ? undefined : spliceDestination(body, destination);
  if (outgoing === undefined) {
    try {
      bundle ??= JSON.parse(body.toString('utf8')) as Bundle;
    } catch (err) {
      return unreadableStep(record, err, deps);
    }
    outgoing = messageWithDestination(body, bundle, destination);
  }
  // The attempt's record is sent to Redis before the post leaves, and the post does not wait for its
  // reply: record() never fails (a record Redis refuses is written to the log instead), so waiting
  // only held each delivery up one round trip (4-8 % of the router's rate, measured in A/B rounds).
  // It is awaited before the outcome is written, so the trail keeps the attempt before its outcome.
  const recording = deliveryAuditOf(deps)?.record(deliveryAttemptEntry(record, { ...route.ledgerRecipient, endpoint: route.endpoint }, attempt));
  const post = () => postMessage(route.endpoint, outgoing, { messageId: record.id, timeoutMs: deps.timeoutMs, ...(auth.token ? { token: auth.token } : {}) });
  const result = await inRecipientSlot(route.endpoint, deps, post);
  await recording;
  const outcome = classifyDelivery(result, record.id);
  switch (outcome.kind) {
    case 'acknowledged': {
      const receipt = { code: 'ok', at: new Date().toISOString(), ...(outcome.receipt.detail ? { detail: outcome.receipt.detail } : {}) };
      return { kind: 'done', record: await transitionAudited(deps, record, 'acknowledged', 'receipt ok', { ...patch, receipt }) };
    }
    case 'delivered':
      return { kind: 'done', record: await transitionAudited(deps, record, 'delivered', outcome.detail, patch) };
    case 'rejected':
      return { kind: 'fatal', reason: outcome.reason, record: await transitionAudited(deps, record, 'rejected', outcome.reason, patch) };
    case 'transient':
      return transientStep(record, outcome.reason, attempt, deps, patch, outcome.retryAfterMs);
  }
}

/**
 * `defer` when the recipient's line is longer than deps.deferAfterMs: back in about the time the
 * line takes (at most MAX_DEFER_MS, spread by a fifth either way so that deferred deliveries do not
 * all come back at once). A step asks before it records the attempt: a deferred delivery was never
 * attempted (the router's and the courier's step alike).
 */
export function deferralIfBusy(endpoint: string, record: MessageRecord | undefined, deps: Pick<DeliveryStepDeps, 'recipientLimit' | 'deferAfterMs'>): StepResult | undefined {
  if (deps.deferAfterMs === undefined || !deps.recipientLimit) return undefined;
  const waitMs = deps.recipientLimit.expectedWaitMs(endpoint);
  if (waitMs <= deps.deferAfterMs) return undefined;
  const delayMs = Math.round(Math.min(waitMs, MAX_DEFER_MS) * (0.8 + 0.4 * Math.random()));
  const reason = `the recipient is busy: about ${Math.round(waitMs)} ms before a slot frees`;
  return record ? { kind: 'defer', reason, record, delayMs, endpoint } : { kind: 'defer', reason, delayMs, endpoint };
}

/** Runs `send` in one of the recipient's slots (deps.recipientLimit), or at once without a limit. */
export function inRecipientSlot<T>(endpoint: string, deps: Pick<DeliveryStepDeps, 'recipientLimit'>, send: () => Promise<T>): Promise<T> {
  return deps.recipientLimit ? deps.recipientLimit.run(endpoint, send) : send();
}

/** No retry can mend a stored message that cannot be read: it ends dead, where ops can see it (the router's and the courier's step alike). */
export async function unreadableStep(record: MessageRecord, err: unknown, deps: Pick<DeliveryStepDeps, 'ledger' | 'audit'>): Promise<StepResult> {
  const reason = `the stored message cannot be read: ${(err as Error).message}`;
  return { kind: 'fatal', reason, record: await transitionAudited(deps, record, 'dead', reason) };
}

/**
 * The start of every delivery step: the stored message (its UTF-8 bytes, decrypted) and its record
 * (written here when this worker got to the job before the gateway wrote it), or `done` when there
 * is nothing to do: final, or already taken by the recipient (a job run again after its worker died
 * past the post).
 */
export async function loadForDelivery(job: DeliveryJob, ledger: MessageLedger): Promise<{ body: Buffer; record: MessageRecord } | StepResult> {
  const stored = await ledger.getWithBodyBytes(job.key);
  if (!stored.body) throw new Error(`Message ${job.key} has no body in the ledger`);
  const record = stored.record ?? (await ledger.ensureRecord({ key: job.key, id: job.messageId, sender: job.sender, event: job.event })).record;
  if (FINAL_STATES.includes(record.state) || record.state === 'delivered') return { kind: 'done', record, unchanged: true };
  return { body: stored.body, record };
}

/**
 * The bearer token for a recipient whose directory entry says `requiresToken` (none for the others),
 * or why there is none: a transient failure, as the token server may answer next time.
 */
export async function recipientToken(recipient: ResolvedRecipient, deps: Pick<DeliveryStepDeps, 'tokenFor'>): Promise<{ token?: string } | { failure: string }> {
  if (!recipient.target.requiresToken) return {};
  let token: string | undefined;
  try {
    token = await deps.tokenFor?.(recipient);
  } catch (err) {
    return { failure: `no token for ${recipient.party.name}: ${(err as Error).message}` };
  }
  return token ? { token } : { failure: `no token source configured for ${recipient.party.name}, which requires one` };
}

/**
 * A transient failure of attempt `attempt`: `retrying` with the reason, or `dead` once the attempts
 * are spent (a step of the router's and the courier's alike).
 */
export async function transientStep(record: MessageRecord, reason: string, attempt: number, deps: Pick<DeliveryStepDeps, 'ledger' | 'maxAttempts' | 'audit'>, patch: { attempts: number; recipient: MessageRecord['recipient'] }, retryAfterMs?: number): Promise<StepResult> {
  if (attempt >= deps.maxAttempts) {
    return { kind: 'fatal', reason, record: await transitionAudited(deps, record, 'dead', `attempts exhausted (${attempt}); last: ${reason}`, patch) };
  }
  const moved = await transitionAudited(deps, record, 'retrying', `attempt ${attempt} of ${deps.maxAttempts}: ${reason}`, patch);
  return { kind: 'retry', reason, record: moved, attempt, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}
