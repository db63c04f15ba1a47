import type { CarePlan, Extension } from '@medplum/fhirtypes';
import { activitiesFromFhir, measureToFhir, reviewToFhir } from './activity-mapping';
import { clean, CS, EXT, extensionOf, IP_CATEGORY, ownerOfPlanSystem } from './fhir-conventions';
import { LIFE_AREAS } from './goal-mapping';
import type { IpDocument, IpResourceOrNeed, LifeArea, PlanStatus } from './ip-document';
import type { FromFhirContext, Located, ToFhirContext } from './mapping-context';

/**
 * The plan → CarePlan (ip-careplan): identity, § 19 a resources and needs (ip-life-area-assessment),
 * cultural considerations, § 19 d contributions (note), § 19 e–g measures and reviews (activity),
 * § 19 f how it is carried out (description), § 19 g period, § 19 h consents (supportingInfo),
 * § 19 i cooperation (contributor with ip-cooperation-description).
 */
export function carePlanFromDocument(doc: IpDocument, ctx: ToFhirContext): CarePlan {
  const extension: Extension[] = [
    ...doc.resourcesAndNeeds.map((a) => ({
      url: EXT.lifeAreaAssessment,
      extension: [
        { url: 'lifeArea', valueCoding: { system: CS.lifeArea, code: a.lifeArea } },
        { url: 'kind', valueCode: a.kind },
        { url: 'text', valueString: a.text },
      ],
    })),
    ...(doc.culturalConsiderations
      ? [{ url: EXT.culturalConsiderations, valueString: doc.culturalConsiderations }]
      : []),
  ];
  const meta = clean({ versionId: doc.plan.version, lastUpdated: doc.plan.lastUpdated });
  return clean({
    resourceType: 'CarePlan' as const,
    id: doc.plan.key,
    meta: Object.keys(meta).length ? meta : undefined,
    extension,
    identifier: ctx.identifier(),
    status: doc.plan.status,
    intent: 'plan' as const,
    category: [{ coding: [{ ...IP_CATEGORY }] }],
    title: doc.plan.title,
    description: doc.howCarriedOut,
    subject: ctx.ref(doc.person.key),
    period: clean({ start: doc.period.start, end: doc.period.end }),
    created: doc.plan.created,
    author: doc.plan.author ? ctx.ref(doc.plan.author) : undefined,
    contributor: doc.cooperation.map((c) => ({
      ...(c.description ? { extension: [{ url: EXT.cooperation, valueString: c.description }] } : {}),
      ...ctx.ref(c.organisation),
    })),
    careTeam: [ctx.ref(doc.careTeam.key)],
    goal: doc.goals.map((g) => ctx.ref(g.key)),
    supportingInfo: doc.consents.map((c) => ctx.ref(c.key)),
    activity: [...doc.measures.map((m) => measureToFhir(m, ctx)), ...doc.reviews.map((r) => reviewToFhir(r, ctx))],
    note: doc.contributions.map((c) =>
      clean({ authorReference: c.by ? ctx.ref(c.by) : undefined, authorString: c.byName, text: c.text })
    ),
  });
}

/** The parts of the document the CarePlan itself holds (goals, consents, team and parties come from the resources it references). */
export type CarePlanParts = Pick<
  IpDocument,
  | 'plan'
  | 'culturalConsiderations'
  | 'resourcesAndNeeds'
  | 'contributions'
  | 'measures'
  | 'howCarriedOut'
  | 'period'
  | 'reviews'
  | 'cooperation'
>;

export function carePlanToDocument(located: Located<CarePlan>, where: string, ctx: FromFhirContext): CarePlanParts {
  const p = located.resource;
  const identifier = p.identifier?.find((i) => ownerOfPlanSystem(i?.system) !== undefined && i.value);
  if (!identifier)
    ctx.problem(
      'required',
      'The plan needs an identifier in the system http://ipbro.no/fhir/sid/org/{owner orgnr}/ip',
      `${where}.identifier`
    );
  if (!p.period?.start)
    ctx.problem('required', 'The plan period needs its start (forskrift § 19 g)', `${where}.period.start`);
  const resourcesAndNeeds: IpResourceOrNeed[] = [];
  (p.extension ?? []).forEach((e, i) => {
    if (e?.url !== EXT.lifeAreaAssessment) return;
    const lifeArea = extensionOf(e.extension, 'lifeArea')?.valueCoding?.code as LifeArea | undefined;
    const kind = extensionOf(e.extension, 'kind')?.valueCode;
    const text = extensionOf(e.extension, 'text')?.valueString;
    if (!lifeArea || !LIFE_AREAS.includes(lifeArea) || (kind !== 'resource' && kind !== 'need') || !text) {
      ctx.problem(
        'structure',
        'ip-life-area-assessment needs lifeArea (ip-life-area), kind (resource or need) and text',
        `${where}.extension[${i}]`
      );
      return;
    }
    resourcesAndNeeds.push({ lifeArea, kind, text });
  });
  const { measures, reviews } = activitiesFromFhir(p.activity, where, ctx);
  return {
    plan: clean({
      key: located.key,
      id: identifier?.value ?? '',
      ownerOrgnr: ownerOfPlanSystem(identifier?.system) ?? '',
      status: p.status as PlanStatus,
      title: p.title,
      created: p.created,
      author: p.author ? ctx.keyOf(p.author, `${where}.author`) : undefined,
      version: p.meta?.versionId,
      lastUpdated: p.meta?.lastUpdated,
    }),
    culturalConsiderations: extensionOf(p.extension, EXT.culturalConsiderations)?.valueString,
    resourcesAndNeeds,
    contributions: (p.note ?? []).map((n, i) =>
      clean({
        by: n?.authorReference ? ctx.keyOf(n.authorReference, `${where}.note[${i}].authorReference`) : undefined,
        byName: n?.authorString,
        text: n?.text ?? '',
      })
    ),
    measures,
    howCarriedOut: p.description,
    period: clean({ start: p.period?.start ?? '', end: p.period?.end }),
    reviews,
    cooperation: (p.contributor ?? []).map((c, i) =>
      clean({
        organisation: ctx.keyOf(c, `${where}.contributor[${i}]`),
        description: extensionOf(c?.extension, EXT.cooperation)?.valueString,
      })
    ),
  };
}
