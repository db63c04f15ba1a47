import { ConsentRegistry, summarizeConsents } from '@ipbro/consent-gate';
import { personNumberOf, type MessageView } from '@ipbro/fhir-message';
import { errorIssue, OutcomeError } from '@ipbro/outcome';
import { patientKeyer, planEntryOf, PlanIndex, type PatientKeyer } from '@ipbro/plan-index';
import type { RedisConnection } from '@ipbro/redis';
import { RevisionReminders } from './revision-reminders';

const PLAN_EVENTS = new Set(['ip-plan-copy', 'koordinator-handover']);
const DOCUMENT_EVENTS = new Set([...PLAN_EVENTS, 'epikrise']);

export interface DocumentIntakeDeps {
  planIndex: PlanIndex;
  consents: ConsentRegistry;
  patientKey: PatientKeyer;
  /** When given, a plan's next revision is scheduled as a reminder. */
  reminders?: RevisionReminders;
}

/**
 * What the gateway checks and records for a valid document message before it queues it:
 * - one plan per person: a plan copy or handover of a different plan for a person who has one is
 *   refused (409, the OperationOutcome names the existing plan's identifier); the same plan (any
 *   version) updates the index entry, and its next revision date is scheduled as a reminder;
 * - the Consents it carries go to the registry, so a withdrawal reaches messages still waiting.
 */
export function documentIntakeCheck(deps: DocumentIntakeDeps): (view: MessageView) => Promise<void> {
  return async (view) => {
    if (!view.event || !DOCUMENT_EVENTS.has(view.event) || !view.patient) return;
    const person = personNumberOf(view.patient.resource);
    if (!person) return; // validation refuses it; nothing to index
    const who = deps.patientKey(person.value);
    if (PLAN_EVENTS.has(view.event)) {
      const entry = planEntryOf(view.bundle);
      if (entry) {
        const claim = await deps.planIndex.claim(who, entry);
        if (claim.kind === 'conflict') {
          const [system, value] = splitIdentifier(claim.existing.plan);
          const planAt = view.focus.find((f) => f.resource.resourceType === 'CarePlan');
          throw new OutcomeError(409, [
            errorIssue(
              'conflict',
              `The person already has an individuell plan: ${value} (${system}${claim.existing.owner ? `, kept by organisation ${claim.existing.owner}` : ''}). One plan per person: send a new version of that plan instead.`,
              planAt ? `Bundle.entry[${planAt.index}].resource.identifier` : undefined
            ),
          ]);
        }
        // An older version arriving late neither reschedules nor brings back Consents since withdrawn.
        if (claim.kind === 'older') return;
        await deps.reminders?.schedule(who, claim.entry);
      }
    }
    await deps.consents.record(who, summarizeConsents(view.bundle, undefined, view.bundle.entry?.[view.patient.index]?.fullUrl));
  };
}

function splitIdentifier(plan: string): [string, string] {
  const at = plan.lastIndexOf('|');
  return at < 0 ? ['', plan] : [plan.slice(0, at), plan.slice(at + 1)];
}

/**
 * The gateway's wiring in one call: the plan index, the consent registry and the reminder queue on
 * the gateway's Redis connection and prefix, the person keyed by IPBRO_ENCRYPTION_KEY (the courier
 * must use the same key). `close` closes the reminder queue.
 */
export function createDocumentIntake(redis: RedisConnection, options: { prefix?: string; encryptionKey: Buffer | string; retry?: { attempts: number; firstDelayMs: number } }): { check: (view: MessageView) => Promise<void>; close: () => Promise<void> } {
  const prefix = options.prefix ?? '{ipbro}';
  const reminders = new RevisionReminders(redis, prefix, options.retry);
  const check = documentIntakeCheck({ planIndex: new PlanIndex(redis, prefix), consents: new ConsentRegistry(redis, prefix), patientKey: patientKeyer(options.encryptionKey), reminders });
  return { check, close: () => reminders.close() };
}
