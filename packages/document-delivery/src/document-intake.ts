import { ConsentRegistry, summarizeConsents } from '@ipbro/consent-gate';
import { personNumberOf, type MessageView } from '@ipbro/fhir-message';
import { errorIssue, OutcomeError } from '@ipbro/outcome';
import { patientKeyer, planEntryOf, PlanIndex, type PatientKeyer, type PlanEntry } from '@ipbro/plan-index';
import type { CarePlan } from '@medplum/fhirtypes';
import type { RedisConnection } from '@ipbro/redis';
import { queueReplacedPlanNotice, type PlanNoticeDeps } from './plan-replaced-notice';
import { RevisionReminders } from './revision-reminders';

const PLAN_EVENTS = new Set(['ip-plan-copy', 'koordinator-handover']);
const DOCUMENT_EVENTS = new Set([...PLAN_EVENTS, 'epikrise']);

export interface DocumentIntakeDeps {
  planIndex: PlanIndex;
  consents: ConsentRegistry;
  patientKey: PatientKeyer;
  /** When given, a plan's next revision is scheduled as a reminder. */
  reminders?: RevisionReminders;
  /** When given, the owner of a plan another replaces is told (see queueReplacedPlanNotice). */
  notices?: PlanNoticeDeps;
}

/**
 * What the gateway checks and records for a valid document message before it queues it:
 * - one plan per person, over its life: a plan copy or handover of a different plan for a person
 *   whose plan is in force is refused (409, the OperationOutcome names the plan in force), unless it
 *   names that plan in CarePlan.replaces by identifier (a plan made anew, say by the kommune the
 *   person moved to): then it takes its place and the old owner gets a notice (an ip-plan-copy of
 *   the replaced plan, status revoked). A plan completed, revoked or entered in error frees the
 *   person. `replaces` that names no identifier is refused (422). The same plan (any version)
 *   updates the index entry, and its next revision date is scheduled as a reminder;
 * - the Consents it carries go to the registry, so a withdrawal reaches messages still waiting.
 */
export function documentIntakeCheck(deps: DocumentIntakeDeps): (view: MessageView) => Promise<void> {
  return async (view) => {
    if (!view.event || !DOCUMENT_EVENTS.has(view.event) || !view.patient) return;
    const person = personNumberOf(view.patient.resource);
    if (!person) return; // validation refuses it; nothing to index
    const who = deps.patientKey(person.value);
    if (PLAN_EVENTS.has(view.event)) {
      const planAt = view.focus.find((f) => f.resource.resourceType === 'CarePlan');
      if (planAt) refuseUnnamedReplaces(planAt.resource as CarePlan, planAt.index);
      const entry = planEntryOf(view.bundle);
      if (entry) {
        const claim = await deps.planIndex.claim(who, entry);
        if (claim.kind === 'conflict') throw planConflict(claim.existing, entry, planAt?.index);
        // An older version arriving late neither reschedules nor brings back Consents since withdrawn;
        // nor does a copy of a plan that is over and is not the person's plan.
        if (claim.kind === 'older' || claim.kind === 'ended') return;
        // On the replacing message and on its later versions (a retry after a failure finds it again): one notice in all.
        if (claim.entry.replaced && deps.notices) await queueReplacedPlanNotice(deps.notices, view, claim.entry);
        await deps.reminders?.schedule(who, claim.entry);
      }
    }
    await deps.consents.record(
      who,
      summarizeConsents(view.bundle, undefined, view.bundle.entry?.[view.patient.index]?.fullUrl)
    );
  };
}

/** CarePlan.replaces must name the replaced plan by identifier (system and value): the index knows plans by nothing else. */
function refuseUnnamedReplaces(plan: CarePlan, index: number): void {
  const unnamed = (plan.replaces ?? [])
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => !r?.identifier?.system || !r.identifier.value);
  if (!unnamed.length) return;
  throw new OutcomeError(
    422,
    unnamed.map(({ i }) =>
      errorIssue(
        'required',
        'CarePlan.replaces must name the replaced individuell plan by its identifier (system and value), as the plan names itself',
        `Bundle.entry[${index}].resource.replaces[${i}].identifier`
      )
    )
  );
}

/** The 409 of a different plan for a person whose plan is in force, naming that plan (and, if it tried, what it said it replaces). */
function planConflict(existing: PlanEntry, entry: PlanEntry, planIndex: number | undefined): OutcomeError {
  const [system, value] = splitIdentifier(existing.plan);
  const kept = `${value} (${system}${existing.owner ? `, kept by organisation ${existing.owner}` : ''})`;
  const named = entry.replaces?.map((p) => splitIdentifier(p)[1]).join(', ');
  const text = named
    ? `The person's individuell plan in force is ${kept}; this plan says it replaces ${named}, which is not it. ` +
      'One plan per person: name the plan in force in CarePlan.replaces, or send a new version of it.'
    : `The person already has an individuell plan: ${kept}. ` +
      'One plan per person: send a new version of that plan instead, or name it in CarePlan.replaces when this plan takes its place.';
  const at =
    planIndex === undefined ? undefined : `Bundle.entry[${planIndex}].resource.${named ? 'replaces' : 'identifier'}`;
  return new OutcomeError(409, [errorIssue('conflict', text, at)]);
}

function splitIdentifier(plan: string): [string, string] {
  const at = plan.lastIndexOf('|');
  return at < 0 ? ['', plan] : [plan.slice(0, at), plan.slice(at + 1)];
}

/**
 * The gateway's wiring in one call: the plan index, the consent registry and the reminder queue on
 * the gateway's Redis connection and prefix, the person keyed by IPBRO_ENCRYPTION_KEY (the courier
 * must use the same key); with `notices` (its ledger, documents queue and directory) the owner of a
 * replaced plan is told. `close` closes the reminder queue.
 */
export function createDocumentIntake(
  redis: RedisConnection,
  options: {
    prefix?: string;
    encryptionKey: Buffer | string;
    retry?: { attempts: number; firstDelayMs: number };
    notices?: PlanNoticeDeps;
  }
): { check: (view: MessageView) => Promise<void>; close: () => Promise<void> } {
  const prefix = options.prefix ?? '{ipbro}';
  const reminders = new RevisionReminders(redis, prefix, options.retry);
  const check = documentIntakeCheck({
    planIndex: new PlanIndex(redis, prefix),
    consents: new ConsentRegistry(redis, prefix),
    patientKey: patientKeyer(options.encryptionKey),
    reminders,
    ...(options.notices ? { notices: options.notices } : {}),
  });
  return { check, close: () => reminders.close() };
}
