import {
  CODE_SYSTEMS,
  orgScopedSystem,
  parseOrgScopedSystem,
  readMessage,
  resolveReference,
  organizationIds,
} from '@ipbro/fhir-message';
import { IDENTIFIER_SYSTEMS } from '@ipbro/identifiers';
import type { Bundle, CarePlan, CareTeam, Organization, Practitioner } from '@medplum/fhirtypes';

/** What the index keeps of a person's plan: no name, no clinical content. */
export interface PlanEntry {
  /** `system|value` of CarePlan.identifier: the plan. */
  plan: string;
  /** The owning organisation's organisasjonsnummer: the one that keeps the plan. */
  owner?: string;
  /** The koordinator: HPR-nummer and the organisation (orgnr) they act for. */
  koordinator?: { hpr?: string; orgnr?: string };
  /** The next planned revision (YYYY-MM-DD), when the plan has one. */
  nextRevision?: string;
  /** Which version: the message's timestamp (or when it was read); a newer one replaces an older. */
  version: string;
  /** The message that brought this version. */
  messageId?: string;
  /** CarePlan.status: `completed`, `revoked` or `entered-in-error` free the person for another plan. */
  status?: string;
  /** `system|value` of the plans this one says it replaces (CarePlan.replaces by identifier). */
  replaces?: string[];
  /** Set by the index when this plan took the place of the person's plan in force: that plan and its owner. */
  replaced?: { plan: string; owner?: string };
}

/** Plan statuses that end a plan: the person is free for another (and no revision is due). */
export const ENDED_PLAN_STATUSES: readonly string[] = ['completed', 'revoked', 'entered-in-error'];

const REVISION = /revisjon/i;
const REVIEW_SYSTEM = CODE_SYSTEMS.planReview;

/** The earliest revision of the plan that is not done: an Appointment activity coded revisjon (or so named). */
export function nextRevisionOf(plan: CarePlan): string | undefined {
  const dates = (plan.activity ?? [])
    .map((a) => a.detail)
    .filter(
      (d) =>
        d?.kind === 'Appointment' &&
        !['completed', 'cancelled', 'stopped', 'entered-in-error'].includes(String(d.status))
    )
    .filter(
      (d) =>
        d?.code?.coding?.some((c) => c.system === REVIEW_SYSTEM && c.code === 'revisjon') ||
        REVISION.test(d?.code?.text ?? '')
    )
    .map((d) => d?.scheduledPeriod?.start?.slice(0, 10))
    .filter((s): s is string => !!s && /^\d{4}-\d{2}-\d{2}$/.test(s))
    .sort();
  return dates[0];
}

/** The koordinator of the plan's CareTeam (role koordinator), by HPR-nummer and organisation. */
function koordinatorOf(bundle: Bundle, plan: CarePlan): PlanEntry['koordinator'] {
  for (const ref of plan.careTeam ?? []) {
    const team = resolveReference<CareTeam>(bundle, ref)?.resource;
    if (team?.resourceType !== 'CareTeam') continue;
    const k = team.participant?.find((p) =>
      p.role?.some((r) => r.coding?.some((c) => c.system === CODE_SYSTEMS.careTeamRole && c.code === 'koordinator'))
    );
    if (!k) continue;
    const member = resolveReference<Practitioner>(bundle, k.member)?.resource;
    const hpr =
      member?.resourceType === 'Practitioner'
        ? member.identifier?.find((i) => i.system === IDENTIFIER_SYSTEMS.hprNummer)?.value
        : undefined;
    const org = resolveReference<Organization>(bundle, k.onBehalfOf)?.resource;
    const orgnr = org?.resourceType === 'Organization' ? organizationIds(org).orgnr : undefined;
    return { ...(hpr ? { hpr } : {}), ...(orgnr ? { orgnr } : {}) };
  }
  return undefined;
}

/** The organisasjonsnummer an organisation-scoped identifier system names, in either spelling of the system. */
export function orgnrOfSystem(system: string | undefined): string | undefined {
  return parseOrgScopedSystem(system)?.orgnr;
}

/** The plan key's system: the former urn:oid form of an organisation's system names the same plan as the http form. */
function planSystem(system: string): string {
  const scoped = parseOrgScopedSystem(system);
  return scoped ? orgScopedSystem(scoped.orgnr, scoped.kind) : system;
}

/** The owner: the orgnr of the plan identifier's system (`…/sid/org/{orgnr}/ip`), else the koordinator's organisation, else the sender. */
function ownerOf(
  system: string | undefined,
  koordinator: PlanEntry['koordinator'],
  sender: string | undefined
): string | undefined {
  return orgnrOfSystem(system) ?? koordinator?.orgnr ?? sender;
}

/** `system|value` of each plan CarePlan.replaces names by identifier (a reference without one names nothing the index knows). */
export function replacedPlansOf(plan: CarePlan): string[] {
  return (plan.replaces ?? [])
    .map((r) => r?.identifier)
    .filter((i) => !!i?.system && !!i.value)
    .map((i) => `${planSystem(i!.system!)}|${i!.value}`);
}

/** The index entry of a plan copy or handover (its focus CarePlan); undefined when it carries no identified plan. */
export function planEntryOf(bundle: Bundle, now = new Date()): PlanEntry | undefined {
  const view = readMessage(bundle);
  const plan = view.focus.find((f) => f.resource.resourceType === 'CarePlan')?.resource as CarePlan | undefined;
  const id = plan?.identifier?.find((i) => i.system && i.value);
  if (!plan || !id) return undefined;
  const koordinator = koordinatorOf(bundle, plan);
  const system = planSystem(id.system!);
  const owner = ownerOf(id.system, koordinator, view.senderIds.orgnr);
  const status = typeof plan.status === 'string' ? plan.status : undefined;
  // A plan that is over has no revision due.
  const nextRevision = status && ENDED_PLAN_STATUSES.includes(status) ? undefined : nextRevisionOf(plan);
  const replaces = replacedPlansOf(plan);
  const stamp =
    typeof bundle.timestamp === 'string' && !Number.isNaN(Date.parse(bundle.timestamp))
      ? new Date(bundle.timestamp).toISOString()
      : now.toISOString();
  return {
    plan: `${system}|${id.value}`,
    ...(owner ? { owner } : {}),
    ...(koordinator && (koordinator.hpr || koordinator.orgnr) ? { koordinator } : {}),
    ...(nextRevision ? { nextRevision } : {}),
    version: stamp,
    ...(view.messageId ? { messageId: view.messageId } : {}),
    ...(status ? { status } : {}),
    ...(replaces.length ? { replaces } : {}),
  };
}
