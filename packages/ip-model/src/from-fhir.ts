import { errorIssue, unprocessable } from '@ipbro/outcome';
import type { Bundle, CarePlan, CareTeam, CodeableConcept, Consent, Extension, Goal, OperationOutcomeIssue, Organization, Patient, Practitioner, Reference, RelatedPerson, Resource } from '@medplum/fhirtypes';
import { CS, EXT, planIdentifierSystem, SYSTEMS, uuidV5 } from './fhir-conventions';
import type { ActivityStatus, HumanName, IpConsent, IpDocument, IpGoal, IpParty, IpPerson, LifeArea, PartyRef, ReviewKind } from './ip-document';

const REVIEW_WORDS: [RegExp, ReviewKind][] = [[/revisjon/i, 'revisjon'], [/evaluering/i, 'evaluering'], [/justering/i, 'justering']];
const codeOf = (cc: CodeableConcept | CodeableConcept[] | undefined, system: string): string | undefined =>
  (Array.isArray(cc) ? cc : cc ? [cc] : []).flatMap((c) => c.coding ?? []).find((c) => c.system === system)?.code;
const ext = (exts: Extension[] | undefined, url: string): Extension | undefined => exts?.find((e) => e.url === url);
const humanName = (names: { family?: string; given?: string[] }[] | undefined): HumanName | undefined => {
  const n = names?.[0];
  if (!n) return undefined;
  return { ...(n.family !== undefined ? { family: n.family } : {}), ...(n.given !== undefined ? { given: n.given } : {}) };
};
/** Sets only defined values, so the document stays canonical. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * FHIR Bundle (collection, message, transaction or document) → IP document. The MessageHeader of a
 * message is set aside: the document is the plan. Throws 422 when there is no IP CarePlan, or a
 * reference the plan needs does not resolve.
 */
export function fhirToIpDocument(bundle: Bundle): IpDocument {
  const entries = Array.isArray(bundle?.entry) ? bundle.entry : [];
  const issues: OperationOutcomeIssue[] = [];
  const byRef = new Map<string, { resource: Resource; index: number; fullUrl?: string }>();
  entries.forEach((e, index) => {
    const r = e?.resource;
    if (!r) return;
    if (e.fullUrl) byRef.set(e.fullUrl, { resource: r, index, fullUrl: e.fullUrl });
    if (r.id) byRef.set(`${r.resourceType}/${r.id}`, { resource: r, index, fullUrl: e.fullUrl });
  });
  const planIndex = entries.findIndex((e) => e?.resource?.resourceType === 'CarePlan' && codeOf((e.resource as CarePlan).category, SYSTEMS.documentType) === 'A02-2');
  if (planIndex < 0) throw unprocessable([errorIssue('required', 'The bundle holds no individuell plan: a CarePlan with category urn:oid:2.16.578.1.12.4.1.1.9602#A02-2', 'Bundle.entry')]);
  const plan = entries[planIndex].resource as CarePlan;
  const planPath = `Bundle.entry[${planIndex}].resource`;
  const planIdentifier = plan.identifier?.find((i) => i.system?.startsWith(`${SYSTEMS.orgnr}/`) && i.system.endsWith('/ip'));
  if (!planIdentifier?.value || !planIdentifier.system) {
    throw unprocessable([errorIssue('required', `The plan needs an identifier in the system ${SYSTEMS.orgnr}/{owner orgnr}/ip`, `${planPath}.identifier`)]);
  }
  const ownerOrgnr = planIdentifier.system.slice(SYSTEMS.orgnr.length + 1, -'/ip'.length);
  const planId = planIdentifier.value;
  const system = planIdentifierSystem(ownerOrgnr);
  const keyOf = (r: Resource, index: number): string => r.id ?? `${r.resourceType.toLowerCase()}-${index}`;
  const resolve = <T extends Resource>(ref: Reference | undefined, where: string, types?: string[]): (T & { key: string }) | undefined => {
    if (!ref?.reference) return undefined;
    const found = byRef.get(ref.reference);
    if (!found || (types && !types.includes(found.resource.resourceType))) {
      issues.push(errorIssue('not-found', `Reference ${ref.reference} does not resolve to ${types ? `a ${types.join(' or ')}` : 'an entry'} in the bundle`, `${where}.reference`));
      return undefined;
    }
    return Object.assign(Object.create(null), found.resource, { key: keyOf(found.resource, found.index) });
  };
  const keyFor = (ref: Reference | undefined, where: string): string | undefined => resolve(ref, where)?.key;
  const partyRef = (ref: Reference, where: string): PartyRef => (ref.reference ? { party: keyFor(ref, where) ?? '?' } : { name: ref.display ?? '' });

  const patientRes = resolve<Patient>(plan.subject, `${planPath}.subject`, ['Patient']);
  if (!patientRes) {
    issues.push(errorIssue('required', 'The plan\'s subject must be a Patient in the bundle', `${planPath}.subject`));
    throw unprocessable(issues);
  }
  const person = patientToPerson(patientRes, patientRes.key);

  const parties: IpParty[] = [];
  entries.forEach((e, index) => {
    const r = e?.resource;
    if (!r) return;
    const key = keyOf(r, index);
    if (r.resourceType === 'Practitioner') {
      const p = r as Practitioner;
      parties.push(defined({ kind: 'practitioner' as const, key, name: humanName(p.name), hprNummer: p.identifier?.find((i) => i.system === SYSTEMS.hpr)?.value }));
    } else if (r.resourceType === 'RelatedPerson') {
      const p = r as RelatedPerson;
      const value = p.identifier?.find((i) => i.system === system)?.value;
      parties.push(
        defined({
          kind: 'relative' as const,
          key,
          name: humanName(p.name),
          relationship: codeOf(p.relationship, SYSTEMS.roleCode),
          identifierValue: value && value !== `${planId}-relatedperson-${key}` ? value : undefined,
        })
      );
    } else if (r.resourceType === 'Organization') {
      const o = r as Organization;
      parties.push(defined({ kind: 'organisation' as const, key, name: o.name, orgnr: o.identifier?.find((i) => i.system === SYSTEMS.orgnr)?.value, herId: o.identifier?.find((i) => i.system === SYSTEMS.herId)?.value }));
    }
  });

  const team = resolve<CareTeam>(plan.careTeam?.[0], `${planPath}.careTeam[0]`, ['CareTeam']);
  if (!team) issues.push(errorIssue('required', 'The plan\'s CareTeam must be in the bundle', `${planPath}.careTeam`));
  const goals: IpGoal[] = (plan.goal ?? []).map((g, i) => resolve<Goal>(g, `${planPath}.goal[${i}]`, ['Goal'])).filter((g): g is Goal & { key: string } => !!g).map((g) =>
    defined({
      key: g.key,
      lifeArea: codeOf(g.category, CS.lifeArea) as LifeArea,
      text: g.description?.text ?? '',
      status: g.lifecycleStatus,
      expressedBy: g.expressedBy ? keyFor(g.expressedBy, 'Goal.expressedBy') : undefined,
      dueDate: g.target?.[0]?.dueDate,
    })
  );
  const consents: IpConsent[] = (plan.supportingInfo ?? [])
    .map((s, i) => resolve<Consent>(s, `${planPath}.supportingInfo[${i}]`))
    .filter((c): c is Consent & { key: string } => c?.resourceType === 'Consent')
    .map((c) => consentToDocument(c, (ref) => keyFor(ref, 'Consent')));

  const doc: IpDocument = {
    plan: defined({
      key: keyOf(plan, planIndex),
      id: planId,
      ownerOrgnr,
      status: plan.status,
      title: plan.title,
      created: plan.created,
      author: plan.author ? keyFor(plan.author, `${planPath}.author`) : undefined,
      period: defined({ start: plan.period?.start ?? '', end: plan.period?.end }),
      howCarriedOut: plan.description,
      culturalConsiderations: ext(plan.extension, EXT.culturalConsiderations)?.valueString,
    }),
    person,
    parties,
    careTeam: defined({
      key: team?.key ?? 'team',
      status: team?.status,
      managingOrganizations: team?.managingOrganization?.length ? team.managingOrganization.map((m) => keyFor(m, 'CareTeam.managingOrganization') ?? '?') : undefined,
    }),
    participants: (team?.participant ?? []).map((p) =>
      defined({
        party: keyFor(p.member, 'CareTeam.participant.member') ?? '?',
        role: codeOf(p.role, CS.careTeamRole) as IpDocument['participants'][number]['role'],
        onBehalfOf: p.onBehalfOf ? keyFor(p.onBehalfOf, 'CareTeam.participant.onBehalfOf') : undefined,
        period: p.period ? defined({ start: p.period.start, end: p.period.end }) : undefined,
      })
    ),
    goals,
    assessments: (plan.extension ?? [])
      .filter((e) => e.url === EXT.lifeAreaAssessment)
      .map((e) => ({
        lifeArea: ext(e.extension, 'lifeArea')?.valueCoding?.code as LifeArea,
        kind: ext(e.extension, 'kind')?.valueCode as 'resource' | 'need',
        text: ext(e.extension, 'text')?.valueString ?? '',
      })),
    contributions: (plan.note ?? []).map((n) => defined({ by: n.authorReference ? keyFor(n.authorReference, `${planPath}.note`) : undefined, text: n.text ?? '' })),
    measures: [],
    reviews: [],
    consents,
    cooperation: (plan.contributor ?? []).map((c) => defined({ party: keyFor(c, `${planPath}.contributor`) ?? '?', description: ext(c.extension, EXT.cooperation)?.valueString })),
  };
  (plan.activity ?? []).forEach((a, i) => {
    const d = a.detail;
    if (!d) return;
    const where = `${planPath}.activity[${i}].detail`;
    const coded = codeOf(d.code, CS.planReview) as ReviewKind | undefined;
    const byText = REVIEW_WORDS.find(([re]) => re.test(d.code?.text ?? ''))?.[1];
    if (d.kind === 'Appointment' && (coded || byText)) {
      doc.reviews.push(
        defined({
          kind: (coded ?? byText) as ReviewKind,
          label: d.code?.text,
          date: d.scheduledPeriod?.start ?? '',
          endDate: d.scheduledPeriod?.end,
          status: d.status as ActivityStatus,
          heldBy: d.performer?.length ? d.performer.map((p) => partyRef(p, `${where}.performer`)) : undefined,
        })
      );
      return;
    }
    const repeat = d.scheduledTiming?.repeat;
    doc.measures.push(
      defined({
        title: d.code?.text ?? d.code?.coding?.[0]?.display ?? '',
        description: d.description,
        status: d.status as ActivityStatus,
        lifeArea: ext(d.extension, EXT.lifeArea)?.valueCoding?.code as LifeArea | undefined,
        scope: ext(d.extension, EXT.measureScope)?.valueString,
        frequency: repeat?.frequency !== undefined && repeat.period !== undefined && repeat.periodUnit ? { count: repeat.frequency, period: repeat.period, unit: repeat.periodUnit } : undefined,
        responsible: (d.performer ?? []).map((p) => partyRef(p, `${where}.performer`)),
        goals: d.goal?.length ? d.goal.map((g) => keyFor(g, `${where}.goal`) ?? '?') : undefined,
      })
    );
  });
  if (issues.length > 0) throw unprocessable(issues);

  // Keep the fullUrls the sender used where they differ from the ones we would derive.
  const fullUrls: Record<string, string> = {};
  entries.forEach((e, index) => {
    const r = e?.resource;
    if (!r || !e.fullUrl || r.resourceType === 'MessageHeader') return;
    const key = keyOf(r, index);
    if (e.fullUrl !== `urn:uuid:${uuidV5(`${system}|${planId}|${key}`)}`) fullUrls[key] = e.fullUrl;
  });
  if (Object.keys(fullUrls).length > 0) doc.fullUrls = fullUrls;
  return doc;
}

function patientToPerson(p: Patient, key: string): IpPerson {
  const fnr = p.identifier?.find((i) => i.system === SYSTEMS.fodselsnummer);
  const dnr = p.identifier?.find((i) => i.system === SYSTEMS.dNummer);
  const a = p.address?.find((x) => x.use === 'home') ?? p.address?.[0];
  const municipality = (a as { _district?: { extension?: Extension[] } } | undefined)?._district?.extension?.find((e) => e.url === EXT.municipality)?.valueCoding;
  const interpreter = ext(p.extension, EXT.interpreterRequired)?.valueBoolean;
  return defined({
    key,
    personNumber: fnr ? { kind: 'fodselsnummer' as const, value: fnr.value ?? '' } : { kind: 'd-nummer' as const, value: dnr?.value ?? '' },
    name: humanName(p.name),
    birthDate: p.birthDate,
    gender: p.gender,
    address: a
      ? defined({
          use: a.use as NonNullable<IpPerson['address']>['use'],
          lines: a.line,
          postalCode: a.postalCode,
          city: a.city,
          district: a.district,
          kommunenummer: municipality?.code,
          kommuneName: municipality?.display,
        })
      : undefined,
    languages: p.communication?.length
      ? p.communication.map((c) => defined({ code: codeOf(c.language, SYSTEMS.bcp47) ?? c.language?.coding?.[0]?.code ?? '', preferred: c.preferred }))
      : undefined,
    interpreterNeeded: interpreter,
  });
}

function consentToDocument(c: Consent & { key: string }, keyFor: (ref: Reference) => string | undefined): IpConsent {
  const kind = codeOf(c.category, CS.consentCategory) as IpConsent['kind'];
  const scope = codeOf(c.scope, SYSTEMS.consentScope);
  const defaultScope = kind === 'ip-samtykke' ? 'treatment' : 'patient-privacy';
  return defined({
    key: c.key,
    kind,
    status: c.status,
    scope: scope !== defaultScope ? scope : undefined,
    dateTime: c.dateTime,
    givenBy: (c.performer?.[0] ? keyFor(c.performer[0]) : undefined) ?? '?',
    givenAs: ext(c.extension, EXT.consenterRole)?.valueCode as IpConsent['givenAs'],
    representationReason: ext(c.extension, EXT.representationReason)?.valueString,
    policy: c.policy?.map((p) => defined({ authority: p.authority, uri: p.uri })),
    decision: c.provision?.type && c.provision.type !== 'permit' ? c.provision.type : undefined,
    period: c.provision?.period ? defined({ start: c.provision.period.start, end: c.provision.period.end }) : undefined,
    permits: c.provision?.actor?.length
      ? c.provision.actor.map((a) => defined({ party: keyFor(a.reference) ?? '?', informationScope: ext(a.extension, EXT.informationScope)?.valueString }))
      : undefined,
    denies: c.provision?.provision?.length
      ? c.provision.provision.filter((p) => p.type === 'deny').flatMap((p) => (p.actor ?? []).map((a) => ({ party: keyFor(a.reference) ?? '?' })))
      : undefined,
  });
}
