import { type ConsentRegistry, decideConsent, summarizeConsents, type GateRecipient } from '@ipbro/consent-gate';
import { routeMessage, runDeliveryStep } from '@ipbro/delivery-step';
import type {
  DeliveryChannel,
  DeliveryJob,
  DeliveryStepDeps,
  Routed,
  StepOutcome,
  StepResult,
} from '@ipbro/delivery-step';
import type { Directory, ResolvedRecipient } from '@ipbro/directory';
import { personNumberOf, readMessage } from '@ipbro/fhir-message';
import {
  deliverTransactions,
  planTransactions,
  UndeliverableError,
  uploadLargeAttachments,
} from '@ipbro/fhir-rest-delivery';
import { messageWithDestination, sendFhirMessage } from '@ipbro/http-client';
import { OutcomeError } from '@ipbro/outcome';
import type * as PlanDocument from '@ipbro/plan-document';
import type { PdfSource } from '@ipbro/plan-document';
import type { MessageRecord } from '@ipbro/message-ledger';
import type { PatientKeyer } from '@ipbro/plan-index';
import type { Bundle } from '@medplum/fhirtypes';

export interface DocumentStepDeps extends DeliveryStepDeps {
  directory: Directory;
  /** Per request to the recipient. */
  timeoutMs: number;
  consents: ConsentRegistry;
  patientKey: PatientKeyer;
  /** The moment of sending, for the consent's period (default: now). */
  now?: () => Date;
  /** Where fhir-rest deliveries get the plan's PDF (a RenderedPdfCache); without it each renders its own. */
  renderedPdfs?: PdfSource;
}

/** The recipient as the consent gate sees it: its orgnr and the HER-ids of its endpoints. */
export function gateRecipient(r: ResolvedRecipient): GateRecipient {
  const herIds = [r.party.koordinerendeEnhet?.herId, r.party.ehr?.herId].filter((h): h is string => !!h);
  return { orgnr: r.party.orgnr, herIds, name: r.party.name };
}

/** What the courier's send needs: the message as stored and parsed. */
interface Document {
  body: Buffer;
  bundle: Bundle;
}

/**
 * The document-courier's channel (ip-plan-copy, koordinator-handover, epikrise): routed by the
 * explicit destination, else the home kommune (the directory says fhir-message or fhir-rest), then
 * the consent gate at this moment (the message's Consents, each replaced by a later version the
 * registry has seen: a withdrawal while the message waited counts): `blocked` with the reason when
 * it says no, and nothing leaves. fhir-message: as meldeplikt (a receipt in the answer acknowledges,
 * 202 is delivered). fhir-rest: ordered conditional transactions within the recipient's entry
 * limit; every entry written is the recipient's acknowledgement, except for a handover, which waits
 * for the koordinerende enhet's receipt (delivered).
 */
export function documentChannel(deps: Omit<DocumentStepDeps, keyof DeliveryStepDeps>): DeliveryChannel<Document> {
  return {
    route: async ({ record, body }) => {
      const bundle = JSON.parse(body.toString('utf8')) as Bundle;
      const view = readMessage(bundle);
      const route = routeMessage(record.event, bundle, deps.directory, ['fhir-message', 'fhir-rest']);
      if (route.kind === 'unroutable') return route;
      const person = view.patient ? personNumberOf(view.patient.resource) : undefined;
      const fromMessage = summarizeConsents(
        bundle,
        undefined,
        view.patient ? bundle.entry?.[view.patient.index]?.fullUrl : undefined
      );
      const consents = person
        ? await deps.consents.current(deps.patientKey(person.value), fromMessage, record.receivedAt)
        : fromMessage;
      const decision = decideConsent(
        record.event,
        consents,
        gateRecipient(route.recipient),
        deps.now?.() ?? new Date()
      );
      if (!decision.allowed)
        return { kind: 'blocked', reason: `consent: ${decision.reason}`, recipient: route.ledgerRecipient };
      const payload = { body, bundle };
      return {
        kind: 'recipient',
        endpoint: route.endpoint,
        recipient: route.ledgerRecipient,
        resolved: route.recipient,
        payload,
      };
    },
    send: (route, { record, token }) => {
      const options = { messageId: record.id, timeoutMs: deps.timeoutMs, token };
      return route.resolved?.target.delivery === 'fhir-rest'
        ? sendRest(route, record, options, deps.renderedPdfs)
        : sendMessage(route, options);
    },
  };
}

/** What every request of one attempt carries: the message id, the timeout, the bearer token when the recipient requires one. */
interface RequestOptions {
  messageId: string;
  timeoutMs: number;
  token?: string;
}

/** fhir-message: the message with its destination, posted to the recipient's $process-message. */
function sendMessage(route: Routed<Document>, options: RequestOptions): Promise<StepOutcome> {
  const party = route.resolved?.party;
  const destination = { endpoint: route.endpoint, ...(party ? { name: party.name, orgnr: party.orgnr } : {}) };
  return sendFhirMessage(
    route.endpoint,
    messageWithDestination(route.payload.body, route.payload.bundle, destination),
    options
  );
}

/**
 * What a fhir-rest delivery writes: a plan copy or handover also carries the plan as a person reads
 * it, its narrative and its PDF as a DocumentReference (plan-document), so an EHR that only shows
 * documents shows the plan. The reason, when the plan in it cannot be rendered.
 */
async function withRenderedPlan(
  event: string,
  bundle: Bundle,
  pdfs?: PdfSource
): Promise<Bundle | { unrenderable: string }> {
  // Loaded at the first plan: the PDF machinery is slow to load, and the gateway, which imports this package, never renders.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { withPlanDocument } = require('@ipbro/plan-document') as typeof PlanDocument;
  try {
    return await withPlanDocument(bundle, event, pdfs);
  } catch (err) {
    if (!(err instanceof OutcomeError)) throw err;
    const why = err.outcome.issue.map((i) => i.diagnostics).join('; ');
    return { unrenderable: `the plan cannot be rendered as a document: ${why}` };
  }
}

/** fhir-rest: the plan rendered, large documents up first as Binary, then the resources in conditional transactions. */
async function sendRest(
  route: Routed<Document>,
  record: MessageRecord,
  options: RequestOptions,
  pdfs?: PdfSource
): Promise<StepOutcome> {
  const target = route.resolved!;
  const withPlan = await withRenderedPlan(record.event, route.payload.bundle, pdfs);
  if ('unrenderable' in withPlan) return { kind: 'dead', reason: withPlan.unrenderable };
  // Documents too large for a FHIR string go up first as Binary; the DocumentReference points at them.
  const upload = await uploadLargeAttachments(route.endpoint, withPlan, options);
  if (upload.kind !== 'ok') return upload;
  let plan: ReturnType<typeof planTransactions>;
  try {
    plan = planTransactions(upload.bundle, target.target.maxTransactionEntries);
  } catch (err) {
    if (!(err instanceof UndeliverableError)) throw err;
    return { kind: 'dead', reason: `cannot be written to ${target.party.name} by fhir-rest: ${err.message}` };
  }
  const outcome = await deliverTransactions(route.endpoint, plan, options);
  if (outcome.kind !== 'written') return outcome;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const binaries = upload.uploaded ? `, ${plural(upload.uploaded, 'document')} as Binary` : '';
  const written = `${outcome.locations.size} resources in ${plural(outcome.transactions, 'transaction')}${binaries}`;
  const detail = `written to ${target.party.name}'s FHIR server: ${written}`;
  if (record.event === 'koordinator-handover') {
    return { kind: 'delivered', detail: `${detail}; waiting for the koordinerende enhet's receipt` };
  }
  return { kind: 'acknowledged', detail, receipt: { code: 'ok', detail } };
}

/**
 * One delivery attempt of a document in the ledger (the courier's job), through the shared step:
 * with deps.recipientLimit the exchange takes one of the recipient's slots, and with deferAfterMs a
 * recipient busy for longer gives `defer` (not attempted), as the router's step does.
 */
export function deliverDocumentFromLedger(job: DeliveryJob, deps: DocumentStepDeps): Promise<StepResult> {
  return runDeliveryStep(job, documentChannel(deps), deps);
}
