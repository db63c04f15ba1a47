import { CODE_SYSTEMS, entriesOfType, personNumberOf, resolveReference, type Located } from '@ipbro/fhir-message';
import { ageOn, checkPersonNumber } from '@ipbro/identifiers';
import { errorIssue } from '@ipbro/outcome';
import type {
  Bundle,
  CarePlan,
  CareTeam,
  CareTeamParticipant,
  Consent,
  Extension,
  OperationOutcomeIssue,
  Patient,
  Period,
} from '@medplum/fhirtypes';
import { capacityContext, isParentOrGuardian } from './consenter-capacity';
import { hasCoding } from './profile-selection';

const EXT = 'http://ipbro.no/fhir/StructureDefinition/';
const REVIEW_WORDS = /revisjon|evaluering|justering/i;
type Issues = OperationOutcomeIssue[];
const at = (located: Located | undefined, fallback: string): string =>
  located ? `Bundle.entry[${located.index}].resource` : fallback;

/** Active at `now`: started (or no start) and not ended (or ending later). */
export function isActive(period: Period | undefined, now: Date): boolean {
  if (period?.start && new Date(period.start).getTime() > now.getTime()) return false;
  return !period?.end || new Date(period.end).getTime() > now.getTime();
}

const roleOf = (p: CareTeamParticipant): string | undefined =>
  p.role?.flatMap((r) => r.coding ?? []).find((c) => c.system === CODE_SYSTEMS.careTeamRole)?.code;

/** Plan statuses before the handover to the kommune, when the hospital's midlertidig-koordinator may stand alone. */
const BEFORE_HANDOVER = ['draft', 'active'];

/**
 * A koordinator at all times (helse- og omsorgstjenesteloven § 7-2, spesialisthelsetjenesteloven
 * § 2-5a): exactly one active koordinator, or, while the plan is draft or active and not yet handed
 * over, the hospital's one midlertidig-koordinator alone. A midlertidig-koordinator may stand beside
 * the koordinator until the handover; never two of either.
 */
export function koordinatorRule(team: CareTeam, base: string, now: Date, planStatus?: string): OperationOutcomeIssue[] {
  const participants = team.participant ?? [];
  const active = (role: string) =>
    participants.map((p, i) => ({ p, i })).filter(({ p }) => roleOf(p) === role && isActive(p.period, now));
  const koordinators = active('koordinator');
  const temporary = active('midlertidig-koordinator');
  const issues: OperationOutcomeIssue[] = [];
  if (koordinators.length === 0 && !(temporary.length === 1 && BEFORE_HANDOVER.includes(planStatus as string))) {
    const rule =
      'one koordinator is required, or before handover one midlertidig-koordinator (helse- og omsorgstjenesteloven § 7-2)';
    const alone = `; a midlertidig-koordinator alone is enough only before handover (plan draft or active, not ${planStatus})`;
    const why = temporary.length === 1 ? alone : '';
    issues.push(
      errorIssue('business-rule', `The plan has no active koordinator: ${rule}${why}`, `${base}.participant`)
    );
  } else if (koordinators.length > 1) {
    issues.push(
      errorIssue(
        'business-rule',
        `The plan has ${koordinators.length} active koordinators (participant ${koordinators.map((k) => k.i).join(', ')}): exactly one person has the main responsibility`,
        koordinators.map((k) => `${base}.participant[${k.i}]`)
      )
    );
  }
  if (temporary.length > 1) {
    issues.push(
      errorIssue(
        'business-rule',
        `The plan has ${temporary.length} active midlertidige koordinatorer: at most one`,
        temporary.map((k) => `${base}.participant[${k.i}]`)
      )
    );
  }
  return issues;
}

function extensionValue(extensions: Extension[] | undefined, id: string): string | undefined {
  const e = (extensions ?? []).find((x) => x?.url === `${EXT}${id}`);
  return e?.valueCode ?? e?.valueString;
}

function birthDateOf(patient: Patient): string | undefined {
  if (patient.birthDate) return patient.birthDate;
  const pn = personNumberOf(patient);
  const checked = pn ? checkPersonNumber(pn.value) : undefined;
  return checked?.ok ? checked.birthDate : undefined;
}

const CAPACITY_NEEDED =
  'A consent given by someone other than the person must say in what capacity: for a person under 16 a parent or guardian ' +
  '(RelatedPerson.relationship MTH, FTH, PRN, GUARD or their kin, ip-careteam-role verge, or the extension ip-consenter-role foresatt); ' +
  'for a person who lacks the capacity to consent, ip-consenter-role representant with the reason recorded (ip-representation-reason)';

/**
 * Who may consent (pasient- og brukerrettighetsloven § 4-3, § 4-5): from 16 the person alone; under 16
 * a parent or guardian (said by ip-consenter-role, or read from who they are: see consenter-capacity.ts);
 * a representative only with a recorded reason.
 */
export function consentRule(
  bundle: Bundle,
  consent: Located<Consent>,
  now: Date,
  capacity = capacityContext(bundle)
): Issues {
  const base = at(consent, 'Consent');
  const c = consent.resource;
  const issues: OperationOutcomeIssue[] = [];
  const patient = capacity.index.resolve<Patient>(c.patient);
  const performer = capacity.index.resolve(c.performer?.[0]);
  const role = extensionValue(c.extension, 'ip-consenter-role');
  const reason = extensionValue(c.extension, 'ip-representation-reason');
  if (role === 'representant' && !reason?.trim()) {
    issues.push(
      errorIssue(
        'business-rule',
        'A representative consented without a recorded reason (ip-representation-reason): the assessment ' +
          'of why the person could not consent must be written down',
        `${base}.extension`
      )
    );
  }
  if (!patient || patient.resource.resourceType !== 'Patient' || !performer) return issues;
  const birthDate = birthDateOf(patient.resource);
  if (!birthDate) return issues;
  const when = c.dateTime ? new Date(c.dateTime) : now;
  const age = ageOn(birthDate, when);
  const byThePerson = performer.resource.resourceType === 'Patient' && performer.resource === patient.resource;
  if (byThePerson) {
    if (age < 16) {
      issues.push(
        errorIssue(
          'business-rule',
          `The person was ${age} when consenting alone: under 16 a parent or guardian consents (pasient- og brukerrettighetsloven § 4-5)`,
          `${base}.performer[0]`
        )
      );
    }
  } else if (performer.resource.resourceType === 'RelatedPerson') {
    const given = role ?? (age < 16 && isParentOrGuardian(capacity, performer) ? 'foresatt' : undefined);
    if (!given) {
      issues.push(errorIssue('required', CAPACITY_NEEDED, `${base}.extension`));
    } else if (given === 'foresatt' && age >= 16) {
      issues.push(
        errorIssue(
          'business-rule',
          `The person was ${age} at the time of consent: from 16 they consent for themselves; a parent or guardian may not consent for them (use representant with a reason if they lack capacity)`,
          `${base}.performer[0]`
        )
      );
    } else if (given === 'selv') {
      issues.push(
        errorIssue(
          'business-rule',
          'ip-consenter-role says selv, but the consent was given by a RelatedPerson',
          `${base}.extension`
        )
      );
    }
  } else {
    issues.push(
      errorIssue(
        'business-rule',
        `A consent is given by the person, a parent or guardian, or a representative, not by a ${performer.resource.resourceType}`,
        `${base}.performer[0]`
      )
    );
  }
  return issues;
}

const consentCategory = (c: Consent): string | undefined =>
  c.category?.flatMap((cc) => cc.coding ?? []).find((cd) => cd.system === CODE_SYSTEMS.consentCategory)?.code;

function isReview(detail: NonNullable<NonNullable<CarePlan['activity']>[number]['detail']>): boolean {
  if (detail.kind !== 'Appointment') return false;
  return hasCoding(detail.code, CODE_SYSTEMS.planReview) || REVIEW_WORDS.test(detail.code?.text ?? '');
}

/** The rules of the law on an individuell plan (forskrift § 19) that a profile cannot say. */
export function carePlanRules(plan: Located<CarePlan>, bundle: Bundle | undefined, now: Date): OperationOutcomeIssue[] {
  const p = plan.resource;
  const base = bundle ? at(plan, 'CarePlan') : 'CarePlan';
  const issues: OperationOutcomeIssue[] = [];
  const start = p.period?.start ? new Date(p.period.start).getTime() : undefined;
  const end = p.period?.end ? new Date(p.period.end).getTime() : undefined;
  if (start !== undefined && end !== undefined && !(start < end)) {
    issues.push(
      errorIssue(
        'business-rule',
        `The plan period starts (${p.period?.start}) on or after it ends (${p.period?.end})`,
        `${base}.period`
      )
    );
  }
  (p.activity ?? []).forEach((activity, i) => {
    const detail = activity?.detail;
    if (!detail) return;
    const where = `${base}.activity[${i}].detail`;
    if (isReview(detail)) {
      const date =
        detail.scheduledPeriod?.start ??
        (typeof detail.scheduledString === 'string' ? detail.scheduledString : undefined);
      const t = date ? new Date(date).getTime() : NaN;
      if (!date || Number.isNaN(t)) {
        issues.push(
          errorIssue(
            'required',
            'A revision, evaluation or adjustment of the plan needs its date (scheduledPeriod.start)',
            `${where}.scheduledPeriod`
          )
        );
      } else if ((start !== undefined && t < start) || (end !== undefined && t > end)) {
        issues.push(
          errorIssue(
            'business-rule',
            `The review date ${date} lies outside the plan period ${p.period?.start ?? '…'} – ${p.period?.end ?? '…'}`,
            `${where}.scheduledPeriod.start`
          )
        );
      }
    } else if (!Array.isArray(detail.performer) || detail.performer.length === 0) {
      issues.push(
        errorIssue(
          'required',
          `Measure ${JSON.stringify(detail.code?.text ?? detail.description ?? i)} has no one responsible (performer): forskrift § 19 e`,
          `${where}.performer`
        )
      );
    }
  });
  if (!bundle) return issues;
  // The plan's CareTeam: one koordinator.
  const teams = (p.careTeam ?? [])
    .map((r) => resolveReference<CareTeam>(bundle, r))
    .filter((t): t is Located<CareTeam> => t?.resource.resourceType === 'CareTeam');
  for (const team of teams) issues.push(...koordinatorRule(team.resource, at(team, 'CareTeam'), now, p.status));
  // No plan without an active plan consent.
  const consents = [
    ...(p.supportingInfo ?? []).map((r) => resolveReference<Consent>(bundle, r)),
    ...entriesOfType<Consent>(bundle, 'Consent'),
  ].filter((c): c is Located<Consent> => c?.resource.resourceType === 'Consent');
  const planConsent = consents.find(
    (c) =>
      consentCategory(c.resource) === 'ip-samtykke' &&
      c.resource.status === 'active' &&
      isActive(c.resource.provision?.period, now)
  );
  if (!planConsent) {
    issues.push(
      errorIssue(
        'business-rule',
        'No active consent to the plan (Consent category ip-samtykke): an individuell plan is never ' +
          'made without consent (pasient- og brukerrettighetsloven § 2-5)',
        `${base}.supportingInfo`
      )
    );
  }
  return issues;
}

/** All IP rules of a bundle: each IP CarePlan, and who gave each Consent. */
export function ipRules(
  bundle: Bundle,
  plans: Located<CarePlan>[],
  now: Date,
  capacity = capacityContext(bundle)
): Issues {
  const issues: OperationOutcomeIssue[] = [];
  for (const plan of plans) issues.push(...carePlanRules(plan, bundle, now));
  for (const consent of entriesOfType<Consent>(bundle, 'Consent'))
    issues.push(...consentRule(bundle, consent, now, capacity));
  return issues;
}
