import { personNumberOf, readMessage, type MessageView } from '@ipbro/fhir-message';
import { ledgerKey, type MessageRecord, type Recipient } from '@ipbro/message-ledger';
import { errorIssue, forbidden, hasErrors, informationOutcome, OutcomeError } from '@ipbro/outcome';
import { deliveryJobData, queueForEvent } from '@ipbro/queues';
import { messagesReceivedCounter } from '@ipbro/service-kit';
import { validateMessage } from '@ipbro/validation';
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import type { AuditInput } from '@ipbro/audit';
import type { IntakeAuth, IntakeDeps } from './intake-deps';
import { applyReceipt } from './receipt';
import { replicated } from './replicated';
import { statusView, type MessageStatus } from './status-view';
import { durably, storeChecked } from './storage';

export type IntakeResult =
  /** Accepted now: the job is durably queued. */
  | { status: 202; location: string; outcome: OperationOutcome; record: MessageRecord }
  /** This sender's message id was seen before: its current status, and nothing queued again. */
  | { status: 200; kind: 'repeat'; body: MessageStatus; record: MessageRecord }
  /** A receipt, applied to the message(s) it names. */
  | { status: 200; kind: 'receipt'; body: OperationOutcome; records: MessageRecord[] };

/**
 * MessageHeader.source.endpoint, kept on the record when it is an http(s) URL in printable ASCII: where
 * the sender takes answers and receipts. Anything else is left out, as the record is read by Redis'
 * Lua (cjson refuses a lone surrogate, and the message could then never move).
 */
function sourceOf(view: MessageView): { sourceEndpoint?: string } {
  const endpoint = view.header.source?.endpoint;
  const usable = typeof endpoint === 'string' && endpoint.length <= 2048 && /^https?:\/\/[\x21-\x7e]+$/i.test(endpoint);
  return usable ? { sourceEndpoint: endpoint } : {};
}

/** Where the directory says the message goes now (the router decides again when it delivers). */
function recipientNow(view: MessageView, deps: IntakeDeps): Recipient | undefined {
  const found = deps.directory?.recipientFor(view.event as string, {
    homeKommune: view.homeKommune,
    destination: view.destination,
  });
  if (!found) return undefined;
  const endpoint = found.target.endpoint ?? found.target.fhirBase;
  return {
    ...(found.kommunenummer ? { kommunenummer: found.kommunenummer } : {}),
    orgnr: found.party.orgnr,
    name: found.party.name,
    ...(found.target.herId ? { herId: found.target.herId } : {}),
    ...(endpoint ? { endpoint } : {}),
  };
}

interface ReceivedFacts {
  id: string;
  who: AuditInput['who'];
  sender: string;
  event: string;
  recipient: Recipient | undefined;
  personNumber: string | undefined;
}

/** The audit line of a message accepted (state undefined) or seen before (its state then). */
function receivedEntry(
  { id, who, sender, event, recipient, personNumber }: ReceivedFacts,
  state: string | undefined
): AuditInput {
  return {
    event: state === undefined ? 'message.received' : 'message.repeat',
    messageId: id,
    outcome: 'success',
    who,
    sender,
    messageEvent: event,
    ...(recipient
      ? {
          recipient: {
            ...(recipient.orgnr ? { orgnr: recipient.orgnr } : {}),
            ...(recipient.herId ? { herId: recipient.herId } : {}),
            ...(recipient.name ? { name: recipient.name } : {}),
          },
        }
      : {}),
    ...(personNumber ? { personNumber } : {}),
    detail: state === undefined ? 'queued' : `seen before (${state})`,
  };
}

/** What the header says of where the message goes, for the delivery step's routing. */
function routingHints(view: MessageView) {
  return {
    ...(view.homeKommune ? { homeKommune: view.homeKommune } : {}),
    ...(view.destination?.orgnr || view.destination?.herId
      ? {
          destination: {
            ...(view.destination.orgnr ? { orgnr: view.destination.orgnr } : {}),
            ...(view.destination.herId ? { herId: view.destination.herId } : {}),
          },
        }
      : {}),
  };
}

/**
 * One inbound message, answered as CONTRACT.md says: 400 not a FHIR message, 422 a profile or rule
 * broken (nothing queued), 403 when the token's organisation is not the MessageHeader.sender, 200 for
 * a receipt or a repeated message id, 202 once the delivery job is durably queued, 503 when the
 * store is unavailable.
 */
export async function acceptMessage(input: unknown, auth: IntakeAuth, deps: IntakeDeps): Promise<IntakeResult> {
  const bundle = input as Bundle;
  const view = readMessage(bundle); // throws 400 when it is not a FHIR message at all
  const outcome = (deps.validate ?? validateMessage)(bundle, { now: deps.now?.() });
  if (hasErrors(outcome)) throw new OutcomeError(422, outcome);
  const sender = view.senderIds.orgnr;
  const id = view.messageId;
  const event = view.event;
  if (!sender || !id || !event) {
    // The message rules demand all three; this guards a validation that lets one through.
    throw new OutcomeError(422, [
      errorIssue(
        'required',
        'A message needs MessageHeader.id, eventCoding and a sender with an organisasjonsnummer',
        `Bundle.entry[${view.headerIndex}].resource`
      ),
    ]);
  }
  const who = { ...(auth.clientId ? { clientId: auth.clientId } : {}), ...(auth.orgnr ? { orgnr: auth.orgnr } : {}) };
  if (auth.orgnr !== sender) {
    await deps.audit?.record({
      event: 'message.refused',
      messageId: view.response?.identifier ?? id,
      outcome: 'serious-failure',
      who,
      sender,
      messageEvent: event,
      detail: `the token's organisation is not the sender ${sender}`,
    });
    throw forbidden(`The token's organisation (${auth.orgnr ?? 'none'}) is not the MessageHeader.sender (${sender})`);
  }
  if (view.response) {
    const receipt = await applyReceipt(view, { orgnr: sender, who }, deps);
    await replicated(deps, 'the receipt');
    return { status: 200, kind: 'receipt', body: receipt.body, records: receipt.records };
  }
  // Its own refusals (OutcomeError) pass through; Redis trouble inside it is a 503 like any store
  // call; anything else is a defect (500), not a reason for the sender to retry.
  const plan = deps.beforeAccept
    ? await storeChecked('checking the message', () => deps.beforeAccept!(view))
    : undefined;
  const key = ledgerKey(sender, id);
  const queue = deps.queues[queueForEvent(event)];
  const recipient = plan?.recipient ?? recipientNow(view, deps);
  const personNumber = view.patient ? personNumberOf(view.patient.resource)?.value : undefined;
  const facts: ReceivedFacts = { id, who, sender, event, recipient, personNumber };
  // The record of its receipt goes in with the seen mark, in the same Redis step. The body stored is the
  // parsed message serialised again, not the text as sent: what goes on is exactly what was validated
  // (a text with a key twice could read differently to a recipient's parser).
  const { created, record, entryId } = await durably('queueing the message', () =>
    deps.ledger.accept({
      sender,
      id,
      event,
      body: JSON.stringify(bundle),
      ...(recipient ? { recipient } : {}),
      audit: deps.audit?.prepare(receivedEntry(facts, undefined)),
      ...sourceOf(view),
      enqueue: async (jobId) => {
        const hints = { ...routingHints(view), ...(plan?.replyTo ? { replyTo: plan.replyTo } : {}) };
        await queue.add(event, deliveryJobData({ key, messageId: id, sender, event, ...hints }), { jobId });
      },
    })
  );
  // A repeat, or a seen mark another writer got to first, is recorded on its own.
  if (!entryId) await deps.audit?.record(receivedEntry(facts, created ? undefined : record.state));
  await replicated(deps, 'the message');
  if (!created) return { status: 200, kind: 'repeat', body: statusView(record), record };
  messagesReceivedCounter().inc({ event, sender });
  return {
    status: 202,
    location: `/messages/${encodeURIComponent(id)}`,
    outcome: informationOutcome(`Message ${id} accepted for delivery`),
    record,
  };
}
