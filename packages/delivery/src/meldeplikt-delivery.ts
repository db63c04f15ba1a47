import type { Directory } from '@ipbro/directory';
import { readMessage } from '@ipbro/fhir-message';
import type { MessageLedger, MessageRecord, Recipient } from '@ipbro/message-ledger';
import type { Bundle } from '@medplum/fhirtypes';
import { classifyDelivery, type DeliveryOutcome } from './delivery-outcome';
import { postMessage, withDestination } from './fhir-message-client';

export interface DeliveryStepDeps {
  ledger: MessageLedger;
  directory: Directory;
  timeoutMs: number;
}

export type StepResult =
  | { kind: 'done'; record: MessageRecord }
  /** Throw to let the queue retry (BullMQ backoff); the ledger already says `retrying`. */
  | { kind: 'retry'; reason: string; record: MessageRecord }
  /** Never retried: rejected. */
  | { kind: 'fatal'; reason: string; record: MessageRecord };

/**
 * One delivery attempt of a message in the ledger to the koordinerende enhet of the patient's home
 * kommune (or the explicit destination): unroutable when the directory does not know it; otherwise
 * post, classify, and write the outcome to the ledger.
 */
export async function deliverFromLedger(job: { key: string; messageId: string; sender: string; event: string }, attempt: number, isLastAttempt: boolean, deps: DeliveryStepDeps): Promise<StepResult> {
  const key = job.key;
  const stored = await deps.ledger.getWithBody(key);
  const body = stored.body;
  if (!body) throw new Error(`Message ${key} has no body in the ledger`);
  // The gateway writes the record right after the job; if this worker got there first, it writes it.
  const record = stored.record ?? (await deps.ledger.ensureRecord({ key, id: job.messageId, sender: job.sender, event: job.event })).record;
  if (['acknowledged', 'rejected', 'blocked', 'dead'].includes(record.state)) return { kind: 'done', record };
  const bundle = JSON.parse(body) as Bundle;
  const view = readMessage(bundle);
  const recipient = deps.directory.recipientFor(record.event, { homeKommune: view.homeKommune, destination: view.destination });
  if (!recipient) {
    const where = view.destination?.orgnr ?? view.destination?.herId ?? view.homeKommune;
    const parked = await deps.ledger.transition(key, 'unroutable', `no koordinerende enhet known for ${view.destination ? 'destination' : 'kommune'} ${where}`);
    return { kind: 'done', record: parked };
  }
  const endpoint = recipient.target.endpoint ?? recipient.target.fhirBase ?? '';
  const to: Recipient = {
    ...(recipient.kommunenummer ? { kommunenummer: recipient.kommunenummer } : {}),
    orgnr: recipient.party.orgnr,
    name: recipient.party.name,
    ...(recipient.target.herId ? { herId: recipient.target.herId } : {}),
    endpoint,
  };
  const outgoing = JSON.stringify(withDestination(bundle, { endpoint, name: recipient.party.name }));
  const result = await postMessage(endpoint, outgoing, { messageId: record.id, timeoutMs: deps.timeoutMs });
  const outcome: DeliveryOutcome = classifyDelivery(result, record.id);
  const patch = { attempts: attempt, recipient: to };
  switch (outcome.kind) {
    case 'acknowledged':
      return { kind: 'done', record: await deps.ledger.transition(key, 'acknowledged', 'receipt ok', { ...patch, receipt: { code: 'ok', at: new Date().toISOString(), ...(outcome.receipt.detail ? { detail: outcome.receipt.detail } : {}) } }) };
    case 'delivered':
      return { kind: 'done', record: await deps.ledger.transition(key, 'delivered', outcome.detail, patch) };
    case 'rejected':
      return { kind: 'fatal', reason: outcome.reason, record: await deps.ledger.transition(key, 'rejected', outcome.reason, patch) };
    case 'transient':
      if (isLastAttempt) return { kind: 'fatal', reason: outcome.reason, record: await deps.ledger.transition(key, 'dead', `attempts exhausted; last: ${outcome.reason}`, patch) };
      return { kind: 'retry', reason: outcome.reason, record: await deps.ledger.transition(key, 'retrying', outcome.reason, patch) };
  }
}
