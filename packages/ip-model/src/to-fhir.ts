import type {
  Bundle, BundleEntry, CarePlan, CarePlanActivity, CareTeam, Consent, Extension, Goal, HumanName as FhirName, Organization, Patient, Practitioner, Reference, RelatedPerson, Resource,
} from '@medplum/fhirtypes';
import { CS, EXT, planIdentifierSystem, SYSTEMS, uuidV5 } from './fhir-conventions';
import type { HumanName, IpConsent, IpDocument, IpParty, PartyRef } from './ip-document';

const name = (n: HumanName | undefined): FhirName[] | undefined => (n ? [{ ...(n.family ? { family: n.family } : {}), ...(n.given ? { given: n.given } : {}) }] : undefined);
const coding = (system: string, code: string, display?: string) => ({ coding: [{ system, code, ...(display ? { display } : {}) }] });
/** Drops undefined members so output is canonical (a round trip compares equal). */
function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))) as T;
}

/**
 * IP document → FHIR R4 `collection` Bundle: CarePlan first, then CareTeam, Goals, Consents, the
 * Patient, Practitioners, RelatedPersons and Organizations, referencing each other by `urn:uuid:` fullUrls.
 */
export function ipDocumentToFhir(doc: IpDocument): Bundle {
  const system = planIdentifierSystem(doc.plan.ownerOrgnr);
  const fullUrl = (key: string): string => doc.fullUrls?.[key] ?? `urn:uuid:${uuidV5(`${system}|${doc.plan.id}|${key}`)}`;
  // Reference<never> fits every typed reference field (Reference<Goal>, Reference<Patient | Group> …).
  const ref = (key: string): Reference<never> => ({ reference: fullUrl(key) });
  const partyRef = (r: PartyRef): Reference<never> => (r.party ? ref(r.party) : { display: r.name });
  const identifier = (suffix: string) => [{ system, value: suffix ? `${doc.plan.id}-${suffix}` : doc.plan.id }];
  const entries: BundleEntry[] = [];
  const add = (key: string, resource: Resource): void => {
    entries.push({ fullUrl: fullUrl(key), resource });
  };

  const planExtensions: Extension[] = [
    ...doc.assessments.map((a) => ({
      url: EXT.lifeAreaAssessment,
      extension: [
        { url: 'lifeArea', valueCoding: { system: CS.lifeArea, code: a.lifeArea } },
        { url: 'kind', valueCode: a.kind },
        { url: 'text', valueString: a.text },
      ],
    })),
    ...(doc.plan.culturalConsiderations ? [{ url: EXT.culturalConsiderations, valueString: doc.plan.culturalConsiderations }] : []),
  ];
  const measures: CarePlanActivity[] = doc.measures.map((m) => ({
    detail: clean({
      extension: [
        ...(m.scope ? [{ url: EXT.measureScope, valueString: m.scope }] : []),
        ...(m.lifeArea ? [{ url: EXT.lifeArea, valueCoding: { system: CS.lifeArea, code: m.lifeArea } }] : []),
      ],
      kind: 'ServiceRequest' as const,
      code: { text: m.title },
      status: m.status,
      description: m.description,
      scheduledTiming: m.frequency ? { repeat: { frequency: m.frequency.count, period: m.frequency.period, periodUnit: m.frequency.unit } } : undefined,
      performer: m.responsible.map(partyRef),
      goal: (m.goals ?? []).map(ref),
    }),
  }));
  const reviews: CarePlanActivity[] = doc.reviews.map((r) => ({
    detail: clean({
      kind: 'Appointment' as const,
      code: { coding: [{ system: CS.planReview, code: r.kind }], ...(r.label ? { text: r.label } : {}) },
      status: r.status,
      scheduledPeriod: { start: r.date, ...(r.endDate ? { end: r.endDate } : {}) },
      performer: (r.heldBy ?? []).map(partyRef),
    }),
  }));
  const plan: CarePlan = clean({
    resourceType: 'CarePlan' as const,
    id: doc.plan.key,
    extension: planExtensions,
    identifier: identifier(''),
    status: doc.plan.status,
    intent: 'plan' as const,
    category: [coding(SYSTEMS.documentType, 'A02-2', 'Individuell plan')],
    title: doc.plan.title,
    description: doc.plan.howCarriedOut,
    subject: ref(doc.person.key),
    period: clean({ start: doc.plan.period.start, end: doc.plan.period.end }),
    created: doc.plan.created,
    author: doc.plan.author ? ref(doc.plan.author) : undefined,
    contributor: doc.cooperation.map((c) => ({ ...(c.description ? { extension: [{ url: EXT.cooperation, valueString: c.description }] } : {}), ...ref(c.party) })),
    careTeam: [ref(doc.careTeam.key)],
    goal: doc.goals.map((g) => ref(g.key)),
    supportingInfo: doc.consents.map((c) => ref(c.key)),
    activity: [...measures, ...reviews],
    note: doc.contributions.map((c) => ({ ...(c.by ? { authorReference: ref(c.by) } : {}), text: c.text })),
  });
  add(doc.plan.key, plan);

  const team: CareTeam = clean({
    resourceType: 'CareTeam' as const,
    id: doc.careTeam.key,
    identifier: identifier('team'),
    status: doc.careTeam.status,
    subject: ref(doc.person.key),
    participant: doc.participants.map((p) =>
      clean({ role: [coding(CS.careTeamRole, p.role)], member: ref(p.party), onBehalfOf: p.onBehalfOf ? ref(p.onBehalfOf) : undefined, period: p.period ? clean({ ...p.period }) : undefined })
    ),
    managingOrganization: (doc.careTeam.managingOrganizations ?? []).map(ref),
  });
  add(doc.careTeam.key, team);

  for (const g of doc.goals) {
    const goal: Goal = clean({
      resourceType: 'Goal' as const,
      id: g.key,
      identifier: identifier(`goal-${g.key}`),
      lifecycleStatus: g.status,
      category: [coding(CS.lifeArea, g.lifeArea)],
      description: { text: g.text },
      subject: ref(doc.person.key),
      target: g.dueDate ? [{ dueDate: g.dueDate }] : undefined,
      expressedBy: g.expressedBy ? ref(g.expressedBy) : undefined,
    });
    add(g.key, goal);
  }
  for (const c of doc.consents) add(c.key, consentToFhir(c, doc.person.key, identifier(`consent-${c.key}`), ref));

  const p = doc.person;
  const patient: Patient = clean({
    resourceType: 'Patient' as const,
    id: p.key,
    extension: p.interpreterNeeded !== undefined ? [{ url: EXT.interpreterRequired, valueBoolean: p.interpreterNeeded }] : undefined,
    identifier: [{ system: p.personNumber.kind === 'd-nummer' ? SYSTEMS.dNummer : SYSTEMS.fodselsnummer, value: p.personNumber.value }],
    name: name(p.name),
    gender: p.gender,
    birthDate: p.birthDate,
    address: p.address
      ? [
          clean({
            use: p.address.use,
            line: p.address.lines,
            postalCode: p.address.postalCode,
            city: p.address.city,
            district: p.address.district,
            _district: p.address.kommunenummer
              ? { extension: [{ url: EXT.municipality, valueCoding: clean({ system: SYSTEMS.kommune, code: p.address.kommunenummer, display: p.address.kommuneName }) }] }
              : undefined,
          }),
        ]
      : undefined,
    communication: (p.languages ?? []).map((l) => ({ language: coding(SYSTEMS.bcp47, l.code), ...(l.preferred !== undefined ? { preferred: l.preferred } : {}) })),
  });
  add(p.key, patient);

  for (const party of doc.parties) add(party.key, partyToFhir(party, p.key, system, doc.plan.id, ref));
  return { resourceType: 'Bundle', type: 'collection', entry: entries };
}

function consentToFhir(c: IpConsent, personKey: string, identifier: { system: string; value: string }[], ref: (key: string) => Reference<never>): Consent {
  return clean({
    resourceType: 'Consent' as const,
    id: c.key,
    extension: [
      ...(c.givenAs ? [{ url: EXT.consenterRole, valueCode: c.givenAs }] : []),
      ...(c.representationReason ? [{ url: EXT.representationReason, valueString: c.representationReason }] : []),
    ],
    identifier,
    status: c.status,
    scope: coding(SYSTEMS.consentScope, c.scope ?? (c.kind === 'ip-samtykke' ? 'treatment' : 'patient-privacy')),
    category: [coding(CS.consentCategory, c.kind)],
    patient: ref(personKey),
    dateTime: c.dateTime,
    performer: [ref(c.givenBy)],
    policy: c.policy?.map((p) => clean({ ...p })),
    provision: clean({
      type: c.decision ?? 'permit',
      period: c.period ? clean({ ...c.period }) : undefined,
      actor: (c.permits ?? []).map((a) => ({
        ...(a.informationScope ? { extension: [{ url: EXT.informationScope, valueString: a.informationScope }] } : {}),
        role: coding(SYSTEMS.participationType, 'IRCP'),
        reference: ref(a.party),
      })),
      provision: (c.denies ?? []).map((d) => ({ type: 'deny' as const, actor: [{ role: coding(SYSTEMS.participationType, 'IRCP'), reference: ref(d.party) }] })),
    }),
  });
}

function partyToFhir(party: IpParty, personKey: string, system: string, planId: string, ref: (key: string) => Reference<never>): Resource {
  switch (party.kind) {
    case 'practitioner':
      return clean({ resourceType: 'Practitioner', id: party.key, identifier: party.hprNummer ? [{ system: SYSTEMS.hpr, value: party.hprNummer }] : undefined, name: name(party.name) }) as Practitioner;
    case 'relative':
      return clean({
        resourceType: 'RelatedPerson',
        id: party.key,
        identifier: [{ system, value: party.identifierValue ?? `${planId}-relatedperson-${party.key}` }],
        patient: ref(personKey),
        relationship: party.relationship ? [{ coding: [{ system: SYSTEMS.roleCode, code: party.relationship }] }] : undefined,
        name: name(party.name),
      }) as RelatedPerson;
    case 'organisation':
      return clean({
        resourceType: 'Organization',
        id: party.key,
        identifier: [...(party.orgnr ? [{ system: SYSTEMS.orgnr, value: party.orgnr }] : []), ...(party.herId ? [{ system: SYSTEMS.herId, value: party.herId }] : [])],
        name: party.name,
      }) as Organization;
  }
}
