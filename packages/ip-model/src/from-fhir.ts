import { errorIssue, unprocessable } from '@ipbro/outcome';
import type {
  Bundle,
  CarePlan,
  CareTeam,
  Consent,
  Goal,
  Organization,
  Patient,
  Practitioner,
  RelatedPerson,
} from '@medplum/fhirtypes';
import { careTeamToDocument } from './careteam-mapping';
import { carePlanToDocument } from './careplan-mapping';
import { consentFromFhir } from './consent-mapping';
import { codeOf, derivedFullUrl, IP_CATEGORY } from './fhir-conventions';
import { goalFromFhir } from './goal-mapping';
import type { IpDocument, IpParticipant } from './ip-document';
import { entryPath, FromFhirContext, type Located } from './mapping-context';
import { identityFromResource, personFromPatient } from './party-mapping';

type Party = Practitioner | RelatedPerson | Organization;
const PARTY_RESOURCES = new Set(['Practitioner', 'RelatedPerson', 'Organization']);

/**
 * FHIR Bundle → IP document. Takes a collection, message, transaction or document Bundle: the plan is
 * its IP CarePlan (category 9602#A02-2); a MessageHeader (or Composition) is set aside. References
 * resolve by fullUrl or `Type/id`. Every Practitioner, RelatedPerson and Organization of the bundle
 * becomes a participant (with a role when it is in the CareTeam), so nothing the sender named is lost.
 *
 * Throws OutcomeError 422, every issue with its path, when the bundle holds no IP CarePlan, a
 * reference does not resolve, or something the document needs is missing (a goal's life area, a
 * measure's responsible …).
 */
export function fhirToIpDocument(bundle: Bundle): IpDocument {
  if (!bundle || typeof bundle !== 'object' || bundle.resourceType !== 'Bundle') {
    throw unprocessable([errorIssue('structure', 'Expected a FHIR Bundle holding an individuell plan', 'Bundle')]);
  }
  const ctx = new FromFhirContext(bundle);
  const planEntry = ctx.entries.find(
    (e) =>
      e.resource.resourceType === 'CarePlan' &&
      codeOf((e.resource as CarePlan).category, IP_CATEGORY.system) === IP_CATEGORY.code
  ) as Located<CarePlan> | undefined;
  if (!planEntry) {
    throw unprocessable([
      errorIssue(
        'required',
        `The bundle holds no individuell plan: a CarePlan with category ${IP_CATEGORY.system}#${IP_CATEGORY.code}`,
        'Bundle.entry'
      ),
    ]);
  }
  const where = entryPath(planEntry.index);
  const plan = planEntry.resource;
  const parts = carePlanToDocument(planEntry, where, ctx);

  const patient = ctx.resolve<Patient>(plan.subject, `${where}.subject`, ['Patient']);
  if (!patient) throw unprocessable(ctx.issues);
  const person = personFromPatient(patient, entryPath(patient.index), ctx);

  if ((plan.careTeam?.length ?? 0) > 1)
    ctx.problem('not-supported', 'An individuell plan has one CareTeam', `${where}.careTeam`);
  const team = plan.careTeam?.length
    ? ctx.resolve<CareTeam>(plan.careTeam[0], `${where}.careTeam[0]`, ['CareTeam'])
    : undefined;
  const fromTeam = team
    ? careTeamToDocument(team, entryPath(team.index), ctx)
    : { careTeam: { key: `${planEntry.key}-team` }, roles: [] };

  const goals = (plan.goal ?? []).flatMap((ref, i) => {
    const g = ctx.resolve<Goal>(ref, `${where}.goal[${i}]`, ['Goal']);
    return g ? [{ located: g as Located, item: goalFromFhir(g, entryPath(g.index), ctx) }] : [];
  });
  const consents = (plan.supportingInfo ?? []).flatMap((ref, i) => {
    const c = ctx.resolve<Consent>(ref, `${where}.supportingInfo[${i}]`, ['Consent']);
    return c ? [{ located: c as Located, item: consentFromFhir(c, entryPath(c.index), ctx) }] : [];
  });

  const { participants, partyEntries } = participantsOf(fromTeam.roles, patient, team, ctx);
  if (ctx.issues.length > 0) throw unprocessable(ctx.issues);

  const doc: IpDocument = {
    plan: parts.plan,
    person,
    ...(parts.culturalConsiderations !== undefined ? { culturalConsiderations: parts.culturalConsiderations } : {}),
    goals: goals.map((g) => g.item),
    resourcesAndNeeds: parts.resourcesAndNeeds,
    participants,
    careTeam: fromTeam.careTeam,
    contributions: parts.contributions,
    measures: parts.measures,
    ...(parts.howCarriedOut !== undefined ? { howCarriedOut: parts.howCarriedOut } : {}),
    period: parts.period,
    reviews: parts.reviews,
    consents: consents.map((c) => c.item),
    cooperation: parts.cooperation,
  };

  const fullUrls = senderFullUrls(doc, [
    planEntry,
    patient,
    ...(team ? [team] : []),
    ...goals.map((g) => g.located),
    ...consents.map((c) => c.located),
    ...partyEntries,
  ]);
  if (Object.keys(fullUrls).length > 0) doc.fullUrls = fullUrls;
  return doc;
}

/** § 19 b: CareTeam rows first (identity on a party's first row), then every other party the bundle names. */
function participantsOf(
  roles: ReturnType<typeof careTeamToDocument>['roles'],
  patient: Located<Patient>,
  team: Located<CareTeam> | undefined,
  ctx: FromFhirContext
): { participants: IpParticipant[]; partyEntries: Located[] } {
  const participants: IpParticipant[] = [];
  const named = new Set<string>();
  for (const { member, row } of roles) {
    if (member.resource.resourceType === 'Patient') {
      if (member !== patient)
        ctx.problem('value', "A Patient in the CareTeam must be the plan's subject", entryPath(team?.index ?? 0));
      participants.push({ key: member.key, kind: 'person', ...row });
      continue;
    }
    participants.push(
      named.has(member.key)
        ? { key: member.key, kind: identityFromResource(member as Located<Party>).kind, ...row }
        : { ...identityFromResource(member as Located<Party>), ...row }
    );
    named.add(member.key);
  }
  const partyEntries = ctx.entries.filter((e) => PARTY_RESOURCES.has(e.resource.resourceType));
  for (const e of partyEntries) {
    if (!named.has(e.key)) participants.push(identityFromResource(e as Located<Party>));
  }
  return { participants, partyEntries };
}

/** The fullUrls the sender used where they differ from the ones we would derive, kept. */
function senderFullUrls(doc: IpDocument, entries: Located[]): Record<string, string> {
  const fullUrls: Record<string, string> = {};
  for (const e of entries) {
    if (e.fullUrl && e.fullUrl !== derivedFullUrl(doc.plan.ownerOrgnr, doc.plan.id, e.key)) fullUrls[e.key] = e.fullUrl;
  }
  return fullUrls;
}
