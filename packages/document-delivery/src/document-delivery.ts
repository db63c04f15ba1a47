import { ConsentRegistry, decideConsent, summarizeConsents, type GateRecipient } from '@ipbro/consent-gate';
import { classifyDelivery, deferralIfBusy, deliveryAttemptEntry, deliveryAuditOf, inRecipientSlot, loadForDelivery, messageWithDestination, postMessage, recipientToken, routeMessage, transientStep, transitionAudited, unreadableStep, type DeliveryStepDeps, type RoutingDecision, type StepResult } from '@ipbro/delivery';
import type { ResolvedRecipient } from '@ipbro/directory';
import { personNumberOf, readMessage } from '@ipbro/fhir-message';
import { deliverTransactions, planTransactions, UndeliverableError, uploadLargeAttachments } from '@ipbro/fhir-rest-delivery';
import { OutcomeError } from '@ipbro/outcome';
import type * as PlanDocument from '@ipbro/plan-document';
import type { PatientKeyer } from '@ipbro/plan-index';
import type { MessageRecord } from '@ipbro/message-ledger';
import type { DeliveryJobData } from '@ipbro/queues';
import type { Bundle } from '@medplum/fhirtypes';

export interface DocumentStepDeps extends DeliveryStepDeps {
  consents: ConsentRegistry;
  patientKey: PatientKeyer;
  /** The moment of sending, for the consent's period (default: now). */
  now?: () => Date;
}

/** The recipient as the consent gate sees it: its orgnr and the HER-ids of its endpoints. */
export function gateRecipient(r: ResolvedRecipient): GateRecipient {
  const herIds = [r.party.koordinerendeEnhet?.herId, r.party.ehr?.herId].filter((h): h is string => !!h);
  return { orgnr: r.party.orgnr, herIds, name: r.party.name };
}

/**
 * One delivery attempt of an ip-plan-copy, koordinator-handover or epikrise in the ledger:
 * route it (explicit destination, else the home kommune; the directory says fhir-message or
 * fhir-rest), ask the consent gate at this moment (the message's Consents, each replaced by a later
 * version the registry has seen: a withdrawal while the message waited counts), and then deliver:
 * `blocked` with the reason when the gate says no, and nothing leaves.
 * fhir-message: as meldeplikt (a receipt in the answer acknowledges, 202 is delivered).
 * fhir-rest: ordered conditional transactions within the recipient's entry limit; every entry
 * written is the recipient's acknowledgement, except for a handover, which waits for the
 * koordinerende enhet's receipt (delivered).
 * With deps.recipientLimit the exchange takes one of the recipient's slots, and with deferAfterMs a
 * recipient busy for longer gives `defer` (not attempted), as the router's step does.
 */
export async function deliverDocumentFromLedger(job: DeliveryJobData, deps: DocumentStepDeps): Promise<StepResult> {
  const loaded = await loadForDelivery(job, deps.ledger);
  if ('kind' in loaded) return loaded;
  const { record, body } = loaded;

  let bundle: Bundle;
  let route: ReturnType<typeof routeMessage>;
  let view: ReturnType<typeof readMessage>;
  try {
    bundle = JSON.parse(body.toString('utf8')) as Bundle;
    view = readMessage(bundle);
    route = routeMessage(record.event, bundle, deps.directory, ['fhir-message', 'fhir-rest']);
  } catch (err) {
    return unreadableStep(record, err, deps);
  }
  if (route.kind === 'unroutable') return { kind: 'done', record: await transitionAudited(deps, record, 'unroutable', route.reason) };

  const attempt = record.attempts + 1;
  const patch = { attempts: attempt, recipient: route.ledgerRecipient };

  // The consent gate, at the moment of sending.
  const person = view.patient ? personNumberOf(view.patient.resource) : undefined;
  const fromMessage = summarizeConsents(bundle, undefined, view.patient ? bundle.entry?.[view.patient.index]?.fullUrl : undefined);
  const consents = person ? await deps.consents.current(deps.patientKey(person.value), fromMessage, record.receivedAt) : fromMessage;
  const decision = decideConsent(record.event, consents, gateRecipient(route.recipient), deps.now?.() ?? new Date());
  if (!decision.allowed) {
    const reason = `consent: ${decision.reason}`;
    return { kind: 'fatal', reason, record: await transitionAudited(deps, record, 'blocked', reason, { recipient: route.ledgerRecipient }) };
  }

  const deferral = deferralIfBusy(route.endpoint, record, deps);
  if (deferral) return deferral;
  const auth = await recipientToken(route.recipient, deps);
  if ('failure' in auth) return transientStep(record, auth.failure, attempt, deps, patch);
  // The exchange with the recipient, from the attempt's record to the outcome's, in one of its slots.
  return inRecipientSlot(route.endpoint, deps, () => exchange(record, body, bundle, route, auth.token, patch, deps));
}

/**
 * What a fhir-rest delivery writes: a plan copy or handover also carries the plan as a person reads
 * it, its narrative and its PDF as a DocumentReference (plan-document), so an EHR that only shows
 * documents shows the plan. The reason, when the plan in it cannot be rendered.
 */
async function withRenderedPlan(event: string, bundle: Bundle): Promise<Bundle | { unrenderable: string }> {
  // Loaded at the first plan: the PDF machinery is slow to load, and the gateway, which imports this package, never renders.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { withPlanDocument } = require('@ipbro/plan-document') as typeof PlanDocument;
  try {
    return await withPlanDocument(bundle, event);
  } catch (err) {
    if (!(err instanceof OutcomeError)) throw err;
    const why = err.outcome.issue.map((i) => i.diagnostics).join('; ');
    return { unrenderable: `the plan cannot be rendered as a document: ${why}` };
  }
}

/** One attempt's exchange with a routed recipient: recorded, sent by the recipient's delivery mode, and its outcome written to the ledger. */
async function exchange(record: MessageRecord, body: Buffer, bundle: Bundle, route: Extract<RoutingDecision, { kind: 'recipient' }>, token: string | undefined, patch: { attempts: number; recipient: MessageRecord['recipient'] }, deps: DocumentStepDeps): Promise<StepResult> {
  const attempt = patch.attempts;
  await deliveryAuditOf(deps)?.record(deliveryAttemptEntry(record, { ...route.ledgerRecipient, endpoint: route.endpoint }, attempt));
  if (route.recipient.target.delivery === 'fhir-rest') {
    const requestOptions = { messageId: record.id, timeoutMs: deps.timeoutMs, ...(token ? { token } : {}) };
    const withPlan = await withRenderedPlan(record.event, bundle);
    if ('unrenderable' in withPlan) {
      const reason = withPlan.unrenderable;
      return { kind: 'fatal', reason, record: await transitionAudited(deps, record, 'dead', reason, patch) };
    }
    // Documents too large for a FHIR string go up first as Binary; the DocumentReference points at them.
    const upload = await uploadLargeAttachments(route.endpoint, withPlan, requestOptions);
    if (upload.kind === 'transient') return transientStep(record, upload.reason, attempt, deps, patch, upload.retryAfterMs);
    if (upload.kind === 'rejected') return { kind: 'fatal', reason: upload.reason, record: await transitionAudited(deps, record, 'rejected', upload.reason, patch) };
    let plan: ReturnType<typeof planTransactions>;
    try {
      plan = planTransactions(upload.bundle, route.recipient.target.maxTransactionEntries);
    } catch (err) {
      if (!(err instanceof UndeliverableError)) throw err;
      const reason = `cannot be written to ${route.recipient.party.name} by fhir-rest: ${err.message}`;
      return { kind: 'fatal', reason, record: await transitionAudited(deps, record, 'dead', reason, patch) };
    }
    const outcome = await deliverTransactions(route.endpoint, plan, requestOptions);
    if (outcome.kind === 'transient') return transientStep(record, outcome.reason, attempt, deps, patch, outcome.retryAfterMs);
    if (outcome.kind === 'rejected') return { kind: 'fatal', reason: outcome.reason, record: await transitionAudited(deps, record, 'rejected', outcome.reason, patch) };
    const detail = `written to ${route.recipient.party.name}'s FHIR server: ${outcome.locations.size} resources in ${outcome.transactions} transaction${outcome.transactions === 1 ? '' : 's'}${upload.uploaded ? `, ${upload.uploaded} document${upload.uploaded === 1 ? '' : 's'} as Binary` : ''}`;
    if (record.event === 'koordinator-handover') return { kind: 'done', record: await transitionAudited(deps, record, 'delivered', `${detail}; waiting for the koordinerende enhet's receipt`, patch) };
    return { kind: 'done', record: await transitionAudited(deps, record, 'acknowledged', detail, { ...patch, receipt: { code: 'ok', at: new Date().toISOString(), detail } }) };
  }

  const outgoing = messageWithDestination(body, bundle, { endpoint: route.endpoint, name: route.recipient.party.name, orgnr: route.recipient.party.orgnr });
  const outcome = classifyDelivery(await postMessage(route.endpoint, outgoing, { messageId: record.id, timeoutMs: deps.timeoutMs, ...(token ? { token } : {}) }), record.id);
  switch (outcome.kind) {
    case 'acknowledged': {
      const receipt = { code: 'ok', at: new Date().toISOString(), ...(outcome.receipt.detail ? { detail: outcome.receipt.detail } : {}) };
      return { kind: 'done', record: await transitionAudited(deps, record, 'acknowledged', 'receipt ok', { ...patch, receipt }) };
    }
    case 'delivered':
      return { kind: 'done', record: await transitionAudited(deps, record, 'delivered', outcome.detail, patch) };
    case 'rejected':
      return { kind: 'fatal', reason: outcome.reason, record: await transitionAudited(deps, record, 'rejected', outcome.reason, { ...patch, receipt: { code: 'fatal-error', at: new Date().toISOString(), detail: outcome.reason } }) };
    case 'transient':
      return transientStep(record, outcome.reason, attempt, deps, patch, outcome.retryAfterMs);
  }
}

