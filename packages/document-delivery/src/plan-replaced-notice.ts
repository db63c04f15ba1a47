import { CODE_SYSTEMS, DOCUMENT_TYPE_SYSTEM, type MessageView } from '@ipbro/fhir-message';
import { SUBSETTED_TAG } from '@ipbro/fhir-rest-delivery';
import { IDENTIFIER_SYSTEMS } from '@ipbro/identifiers';
import { ledgerKey, type MessageLedger, type Recipient } from '@ipbro/message-ledger';
import type { PlanEntry } from '@ipbro/plan-index';
import { deliveryJobData, type DeliveryJobData } from '@ipbro/queues';
import type { Bundle, CarePlan, MessageHeader, Organization, Patient } from '@medplum/fhirtypes';
import { createHash } from 'node:crypto';

/** What the notice needs of the gateway: its ledger and documents queue, and (when it has one) its directory. */
export interface PlanNoticeDeps {
  ledger: Pick<MessageLedger, 'accept'>;
  queue: { add(name: string, data: DeliveryJobData, options: { jobId: string }): Promise<unknown> };
  directory?: {
    recipientFor(
      event: string,
      where: { destination?: { orgnr?: string } }
    ):
      | {
          party: { orgnr: string; name: string };
          kommunenummer?: string;
          target: { herId?: string; endpoint?: string; fhirBase?: string };
        }
      | undefined;
  };
}

const EVENT = 'ip-plan-copy';
/** Where the notice says it comes from: IP-bro, which writes it (a receipt for it comes to the gateway like any). */
const SOURCE = { name: 'IP-bro', endpoint: 'urn:ipbro:plan-index' };

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
/** A name-based UUID (version 5 layout) from a text: the same replacement always gives the same notice. */
function uuidOf(text: string): string {
  const h = sha(text);
  const variant = ((parseInt(h[16], 16) & 3) | 8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The notice's message id: one per replacing plan and replaced plan, however often the replacing plan is sent. */
export const replacedPlanNoticeId = (plan: string, replaced: string): string =>
  uuidOf(`plan-replaced|${plan}|${replaced}`);

function splitPlan(plan: string): { system?: string; value: string } {
  const at = plan.lastIndexOf('|');
  return at < 0 ? { value: plan } : { system: plan.slice(0, at), value: plan.slice(at + 1) };
}

/**
 * The old owner's notice that its plan is replaced: an `ip-plan-copy` of the replaced plan, status
 * `revoked`, the plan named by its identifier and tagged SUBSETTED (IP-bro knows the plan only by
 * its index entry, so the copy says its status and nothing else: a fhir-rest recipient's copy is
 * patched, never overwritten). A note and MessageHeader.reason name the replacement. It is sent on
 * behalf of the replacing plan's sender (its Organization and the Patient as that message has them).
 */
export function replacedPlanNotice(
  view: MessageView,
  entry: PlanEntry & { replaced: { plan: string; owner?: string } },
  to: { endpoint: string; name?: string }
): Bundle {
  const id = replacedPlanNoticeId(entry.plan, entry.replaced.plan);
  const url = (part: string) => `urn:uuid:${uuidOf(`${id}|${part}`)}`;
  const old = splitPlan(entry.replaced.plan);
  const now = splitPlan(entry.plan);
  const keptBy = entry.owner ? `, kept by organisation ${entry.owner}` : '';
  const replacement = `individuell plan ${now.value}${now.system ? ` (${now.system})` : ''}${keptBy}`;
  const plan: CarePlan = {
    resourceType: 'CarePlan',
    meta: { tag: [{ ...SUBSETTED_TAG }] },
    identifier: [{ ...(old.system ? { system: old.system } : {}), value: old.value }],
    status: 'revoked',
    intent: 'plan',
    category: [{ coding: [{ system: DOCUMENT_TYPE_SYSTEM, code: 'A02-2', display: 'Individuell plan' }] }],
    subject: { reference: url('patient') },
    note: [{ text: `Replaced by ${replacement}.` }],
  };
  const header: MessageHeader = {
    resourceType: 'MessageHeader',
    id,
    eventCoding: { system: CODE_SYSTEMS.messageEvent, code: EVENT },
    destination: [
      {
        endpoint: to.endpoint,
        ...(to.name ? { name: to.name } : {}),
        receiver: {
          identifier: { system: IDENTIFIER_SYSTEMS.organisasjonsnummer, value: entry.replaced.owner },
          ...(to.name ? { display: to.name } : {}),
        },
      },
    ],
    ...(view.sender ? { sender: { reference: url('sender') } } : {}),
    source: { ...SOURCE },
    reason: { text: `The individuell plan ${old.value} is replaced by ${replacement}` },
    focus: [{ reference: url('plan') }],
  };
  return {
    resourceType: 'Bundle',
    type: 'message',
    timestamp: typeof view.bundle.timestamp === 'string' ? view.bundle.timestamp : new Date().toISOString(),
    entry: [
      { fullUrl: `urn:uuid:${id}`, resource: header },
      { fullUrl: url('plan'), resource: plan },
      ...(view.patient ? [{ fullUrl: url('patient'), resource: view.patient.resource as Patient }] : []),
      ...(view.sender ? [{ fullUrl: url('sender'), resource: view.sender.resource as Organization }] : []),
    ],
  };
}

/**
 * Queues the notice to the replaced plan's owner, once per replacement (the ledger keeps it under
 * the replacing message's sender, who can follow it by its id): nothing when the plan replaced no
 * other, or replaced its own owner's (who knows). The courier delivers it as any plan copy: to the
 * owner's EHR or koordinerende enhet, and only when a taushetsplikt-fritak the person gave names it.
 */
export async function queueReplacedPlanNotice(
  deps: PlanNoticeDeps,
  view: MessageView,
  entry: PlanEntry
): Promise<{ id: string; created: boolean } | undefined> {
  const replaced = entry.replaced;
  const sender = view.senderIds.orgnr;
  if (!replaced?.owner || replaced.owner === entry.owner || !sender) return undefined;
  const found = deps.directory?.recipientFor(EVENT, { destination: { orgnr: replaced.owner } });
  const endpoint = found?.target.endpoint ?? found?.target.fhirBase;
  const recipient: Recipient | undefined = found && {
    ...(found.kommunenummer ? { kommunenummer: found.kommunenummer } : {}),
    orgnr: found.party.orgnr,
    name: found.party.name,
    ...(found.target.herId ? { herId: found.target.herId } : {}),
    ...(endpoint ? { endpoint } : {}),
  };
  // Without the directory the endpoint is not known here; the courier routes by the receiver.
  const to = {
    endpoint: endpoint ?? `urn:ipbro:organisation:${replaced.owner}`,
    ...(found ? { name: found.party.name } : {}),
  };
  const notice = replacedPlanNotice(view, { ...entry, replaced }, to);
  const id = (notice.entry![0].resource as MessageHeader).id as string;
  const key = ledgerKey(sender, id);
  const job = deliveryJobData({ key, messageId: id, sender, event: EVENT, destination: { orgnr: replaced.owner } });
  const { created } = await deps.ledger.accept({
    sender,
    id,
    event: EVENT,
    body: JSON.stringify(notice),
    ...(recipient ? { recipient } : {}),
    enqueue: async (jobId) => {
      await deps.queue.add(EVENT, job, { jobId });
    },
  });
  return { id, created };
}
