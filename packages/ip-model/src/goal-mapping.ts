import type { Goal } from '@medplum/fhirtypes';
import { clean, codeable, codeOf, CS } from './fhir-conventions';
import type { IpGoal, LifeArea } from './ip-document';
import type { FromFhirContext, Located, ToFhirContext } from './mapping-context';

export const LIFE_AREAS: readonly LifeArea[] = [
  'helse-omsorg',
  'dagtid-arbeid-skole',
  'bolig',
  'fritid',
  'okonomi',
  'sosialt-nettverk',
];

/** § 19 a: a goal → Goal (ip-goal): life area as category, text, who expressed it, due date as target. */
export function goalToFhir(g: IpGoal, personKey: string, ctx: ToFhirContext): Goal {
  return clean({
    resourceType: 'Goal' as const,
    id: g.key,
    identifier: ctx.identifier(`goal-${g.key}`),
    lifecycleStatus: g.status,
    category: [codeable(CS.lifeArea, g.lifeArea)],
    description: { text: g.text },
    subject: ctx.ref(personKey),
    target: g.dueDate ? [{ dueDate: g.dueDate }] : undefined,
    expressedBy: g.expressedBy ? ctx.ref(g.expressedBy) : undefined,
  });
}

/** Goal → a goal of the document. The life area and the text are required: the document cannot hold a goal without them. */
export function goalFromFhir(located: Located<Goal>, where: string, ctx: FromFhirContext): IpGoal {
  const g = located.resource;
  const lifeArea = codeOf(g.category, CS.lifeArea) as LifeArea | undefined;
  if (!lifeArea || !LIFE_AREAS.includes(lifeArea))
    ctx.problem(
      'code-invalid',
      `A goal needs a category coded from ${CS.lifeArea} (${LIFE_AREAS.join(', ')})`,
      `${where}.category`
    );
  if (!g.description?.text)
    ctx.problem('required', 'A goal needs its text (description.text)', `${where}.description.text`);
  return clean({
    key: located.key,
    lifeArea: lifeArea ?? 'helse-omsorg',
    text: g.description?.text ?? '',
    status: g.lifecycleStatus,
    expressedBy: g.expressedBy ? ctx.keyOf(g.expressedBy, `${where}.expressedBy`) : undefined,
    dueDate: g.target?.[0]?.dueDate,
  });
}
