import type { CarePlanActivity, CarePlanActivityDetail, Reference } from '@medplum/fhirtypes';
import { clean, codeOf, CS, EXT, extensionOf } from './fhir-conventions';
import type { IpMeasure, IpReview, LifeArea, MeasureStatus, Responsible, ReviewKind } from './ip-document';
import { type FromFhirContext, PARTY_TYPES, type ToFhirContext } from './mapping-context';

const REVIEW_WORDS: [RegExp, ReviewKind][] = [
  [/revisjon/i, 'revisjon'],
  [/evaluering/i, 'evaluering'],
  [/justering/i, 'justering'],
];

const responsibleToFhir = (r: Responsible, ctx: ToFhirContext): Reference<never> =>
  clean({ ...(r.participant ? ctx.ref(r.participant) : {}), display: r.name });

function responsibleFromFhir(ref: Reference, where: string, ctx: FromFhirContext): Responsible {
  return clean({ participant: ref?.reference ? ctx.keyOf(ref, where, PARTY_TYPES) : undefined, name: ref?.display });
}

/** § 19 e, f: a measure (tiltak) → CarePlan.activity with a ServiceRequest detail; the key is the activity's element id. */
export function measureToFhir(m: IpMeasure, ctx: ToFhirContext): CarePlanActivity {
  return {
    id: m.key,
    detail: clean({
      extension: [
        ...(m.scope ? [{ url: EXT.measureScope, valueString: m.scope }] : []),
        ...(m.lifeArea ? [{ url: EXT.lifeArea, valueCoding: { system: CS.lifeArea, code: m.lifeArea } }] : []),
      ],
      kind: 'ServiceRequest' as const,
      code: { text: m.title },
      status: m.status,
      description: m.description,
      scheduledTiming: m.frequency
        ? { repeat: { frequency: m.frequency.count, period: m.frequency.period, periodUnit: m.frequency.unit } }
        : undefined,
      performer: m.responsible.map((r) => responsibleToFhir(r, ctx)),
      goal: m.goals?.map(ctx.ref),
    }),
  };
}

/** § 19 g: a planned revision, evaluation or adjustment → CarePlan.activity with an Appointment detail coded from ip-plan-review. */
export function reviewToFhir(r: IpReview, ctx: ToFhirContext): CarePlanActivity {
  return {
    id: r.key,
    detail: clean({
      kind: 'Appointment' as const,
      code: clean({ coding: [{ system: CS.planReview, code: r.kind }], text: r.label }),
      status: r.status,
      scheduledPeriod: clean({ start: r.date, end: r.endDate }),
      performer: r.heldBy?.map((h) => responsibleToFhir(h, ctx)),
    }),
  };
}

/** The review kind of an activity detail: its ip-plan-review coding, else a review word in its text (docs/fhir-mapping.md § g). */
export function reviewKindOf(d: CarePlanActivityDetail): ReviewKind | undefined {
  if (d.kind !== 'Appointment') return undefined;
  const coded = codeOf(d.code, CS.planReview) as ReviewKind | undefined;
  return coded ?? REVIEW_WORDS.find(([re]) => re.test(d.code?.text ?? ''))?.[1];
}

/** CarePlan.activity[] → the document's measures and reviews. Activities without an id get keys `tiltak-N` and `review-N`. */
export function activitiesFromFhir(
  activities: CarePlanActivity[] | undefined,
  where: string,
  ctx: FromFhirContext
): { measures: IpMeasure[]; reviews: IpReview[] } {
  const measures: IpMeasure[] = [];
  const reviews: IpReview[] = [];
  const used = new Set((activities ?? []).map((a) => a?.id).filter((id): id is string => typeof id === 'string'));
  const keyFor = (id: string | undefined, prefix: string, n: number): string => {
    if (id) return id;
    let key = `${prefix}-${n}`;
    while (used.has(key)) key = `${key}x`;
    used.add(key);
    return key;
  };
  (activities ?? []).forEach((a, i) => {
    const at = `${where}.activity[${i}]`;
    const d = a?.detail;
    if (!d) {
      ctx.problem(
        'not-supported',
        'An activity of an individuell plan is described inline (activity.detail); a referenced request is not supported',
        `${at}.detail`
      );
      return;
    }
    const kind = reviewKindOf(d);
    if (kind) {
      if (!d.scheduledPeriod?.start)
        ctx.problem(
          'required',
          'A revision, evaluation or adjustment of the plan needs its date (scheduledPeriod.start)',
          `${at}.detail.scheduledPeriod.start`
        );
      reviews.push(
        clean({
          key: keyFor(a.id, 'review', reviews.length + 1),
          kind,
          label: d.code?.text,
          date: d.scheduledPeriod?.start ?? '',
          endDate: d.scheduledPeriod?.end,
          status: d.status as MeasureStatus,
          heldBy: d.performer?.map((p, j) => responsibleFromFhir(p, `${at}.detail.performer[${j}]`, ctx)),
        })
      );
      return;
    }
    const title = d.code?.text ?? d.code?.coding?.find((c) => c?.display)?.display;
    if (!title) ctx.problem('required', 'A measure needs its title (detail.code.text)', `${at}.detail.code.text`);
    if (!d.performer?.length)
      ctx.problem(
        'required',
        'A measure needs at least one responsible (detail.performer): forskrift § 19 e',
        `${at}.detail.performer`
      );
    const repeat = d.scheduledTiming?.repeat;
    measures.push(
      clean({
        key: keyFor(a.id, 'tiltak', measures.length + 1),
        title: title ?? '',
        description: d.description,
        status: d.status as MeasureStatus,
        lifeArea: extensionOf(d.extension, EXT.lifeArea)?.valueCoding?.code as LifeArea | undefined,
        scope: extensionOf(d.extension, EXT.measureScope)?.valueString,
        frequency:
          repeat?.frequency !== undefined && repeat.period !== undefined && repeat.periodUnit
            ? { count: repeat.frequency, period: repeat.period, unit: repeat.periodUnit }
            : undefined,
        responsible: (d.performer ?? []).map((p, j) => responsibleFromFhir(p, `${at}.detail.performer[${j}]`, ctx)),
        goals: d.goal?.map((g, j) => ctx.keyOf(g, `${at}.detail.goal[${j}]`, ['Goal'])),
      })
    );
  });
  return { measures, reviews };
}
