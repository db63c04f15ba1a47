import type { Directory, ResolvedRecipient } from '@ipbro/directory';
import { FINAL_STATES, type MessageLedger, type MessageRecord } from '@ipbro/message-ledger';
import type { DeliveryJobData } from '@ipbro/queues';
import type { Bundle } from '@medplum/fhirtypes';
import { deliveryAttemptEntry, deliveryAuditOf, deliveryOutcomeEntry, type DeliveryAudit } from './delivery-audit';
import { classifyDelivery } from './delivery-outcome';
import { messageTextWithDestination, postMessage, spliceDestination } from './fhir-message-client';
import { routeByHints, routeMessage, type RoutingDecision } from './message-routing';

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
}

/** A delivery job: the ledger key and metadata, never the body (the queues' job data). */
export type DeliveryJob = DeliveryJobData;

export type StepResult =
  /** Nothing more to do for this job: acknowledged, delivered, unroutable (kept for re-drive), or already final. */
  | { kind: 'done'; record: MessageRecord; /** Nothing was done: the message was already final or delivered. */ unchanged?: true }
  /** The ledger says `retrying`: the queue should try again, not before `retryAfterMs` when given. */
  | { kind: 'retry'; reason: string; record: MessageRecord; attempt: number; retryAfterMs?: number }
  /** The ledger says `rejected` or `dead`: never retried. */
  | { kind: 'fatal'; reason: string; record: MessageRecord };

/**
 * One delivery attempt of a message in the ledger, to the koordinerende enhet of the patient's home
 * kommune (or the explicit destination): unroutable when the directory knows no recipient;
 * otherwise post, classify the answer, and write the outcome to the ledger. The attempt number is
 * the ledger's (so it counts on across re-drives and is not bumped by a worker that died mid-way).
 */
export async function deliverFromLedger(job: DeliveryJob, deps: DeliveryStepDeps): Promise<StepResult> {
  return audited(await deliveryStep(job, deps), deps);
}

/** Every step that moved the message (blocked included) leaves its outcome in the audit trail. */
export async function audited(result: StepResult, deps: { audit?: DeliveryAudit }): Promise<StepResult> {
  if (!(result.kind === 'done' && result.unchanged)) await deliveryAuditOf(deps)?.record(deliveryOutcomeEntry(result.record));
  return result;
}

/**
 * The start of every delivery step: the stored message and its record (written here when this
 * worker got to the job before the gateway wrote it), or `done` when there is nothing to do: final,
 * or already taken by the recipient (a job run again after its worker died past the post).
 */
export async function loadForDelivery(job: DeliveryJob, ledger: MessageLedger): Promise<{ body: string; record: MessageRecord } | StepResult> {
  const stored = await ledger.getWithBody(job.key);
  if (!stored.body) throw new Error(`Message ${job.key} has no body in the ledger`);
  const record = stored.record ?? (await ledger.ensureRecord({ key: job.key, id: job.messageId, sender: job.sender, event: job.event })).record;
  if (FINAL_STATES.includes(record.state) || record.state === 'delivered') return { kind: 'done', record, unchanged: true };
  return { body: stored.body, record };
}

async function deliveryStep(job: DeliveryJob, deps: DeliveryStepDeps): Promise<StepResult> {
  const { key } = job;
  const loaded = await loadForDelivery(job, deps.ledger);
  if ('kind' in loaded) return loaded;
  const { record, body } = loaded;

  // The gateway puts the routing hints in the job: route by them and splice the destination into the
  // text, without parsing the body (the largest share of a delivery's own CPU). Jobs without hints
  // (re-drives) and texts the splice cannot be sure of take the parsing path.
  const hinted = job.homeKommune !== undefined || job.destination !== undefined;
  let bundle: Bundle | undefined;
  let route: RoutingDecision;
  try {
    if (hinted && looksWhole(body)) {
      route = routeByHints(record.event, { homeKommune: job.homeKommune, destination: job.destination }, deps.directory);
    } else {
      bundle = JSON.parse(body) as Bundle;
      route = routeMessage(record.event, bundle, deps.directory);
    }
  } catch (err) {
    // No retry can mend a stored message that cannot be read: end it where ops can see it.
    const reason = `the stored message cannot be read: ${(err as Error).message}`;
    return { kind: 'fatal', reason, record: await deps.ledger.transition(key, 'dead', reason) };
  }
  if (route.kind === 'unroutable') return { kind: 'done', record: await deps.ledger.transition(key, 'unroutable', route.reason) };

  const attempt = record.attempts + 1;
  const patch = { attempts: attempt, recipient: route.ledgerRecipient };
  const auth = await recipientToken(route.recipient, deps);
  if ('failure' in auth) return transientStep(key, auth.failure, attempt, deps, patch);
  const { token } = auth;
  const destination = { endpoint: route.endpoint, name: route.recipient.party.name, orgnr: route.recipient.party.orgnr };
  let outgoing = bundle ? undefined : spliceDestination(body, destination);
  if (outgoing === undefined) {
    try {
      bundle ??= JSON.parse(body) as Bundle;
    } catch (err) {
      const reason = `the stored message cannot be read: ${(err as Error).message}`;
      return { kind: 'fatal', reason, record: await deps.ledger.transition(key, 'dead', reason) };
    }
    outgoing = messageTextWithDestination(body, bundle, destination);
  }
  await deliveryAuditOf(deps)?.record(deliveryAttemptEntry(record, { ...route.ledgerRecipient, endpoint: route.endpoint }, attempt));
  const result = await postMessage(route.endpoint, outgoing, { messageId: record.id, timeoutMs: deps.timeoutMs, ...(token ? { token } : {}) });
  const outcome = classifyDelivery(result, record.id);
  switch (outcome.kind) {
    case 'acknowledged': {
      const receipt = { code: 'ok', at: new Date().toISOString(), ...(outcome.receipt.detail ? { detail: outcome.receipt.detail } : {}) };
      return { kind: 'done', record: await deps.ledger.transition(key, 'acknowledged', 'receipt ok', { ...patch, receipt }) };
    }
    case 'delivered':
      return { kind: 'done', record: await deps.ledger.transition(key, 'delivered', outcome.detail, patch) };
    case 'rejected':
      return { kind: 'fatal', reason: outcome.reason, record: await deps.ledger.transition(key, 'rejected', outcome.reason, patch) };
    case 'transient':
      return transientStep(key, outcome.reason, attempt, deps, patch, outcome.retryAfterMs);
  }
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
export async function transientStep(key: string, reason: string, attempt: number, deps: Pick<DeliveryStepDeps, 'ledger' | 'maxAttempts'>, patch: { attempts: number; recipient: MessageRecord['recipient'] }, retryAfterMs?: number): Promise<StepResult> {
  if (attempt >= deps.maxAttempts) {
    return { kind: 'fatal', reason, record: await deps.ledger.transition(key, 'dead', `attempts exhausted (${attempt}); last: ${reason}`, patch) };
  }
  const record = await deps.ledger.transition(key, 'retrying', `attempt ${attempt} of ${deps.maxAttempts}: ${reason}`, patch);
  return { kind: 'retry', reason, record, attempt, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

/** A stored text cut short (a write torn mid-way) does not end its object: such a text takes the parsing path, which says why. */
function looksWhole(text: string): boolean {
  return text.trimEnd().endsWith('}');
}
