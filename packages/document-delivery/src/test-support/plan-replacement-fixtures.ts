import { orgnrOfSystem } from '@ipbro/plan-index';
import type { Bundle, CarePlan, Identifier, Organization, Patient, Reference } from '@medplum/fhirtypes';
import { byId, ORG, planCopy, planOf } from './document-fixtures';

// Plans of their own for one person over the plan's life: the example plan copy with every
// organisation-scoped business identifier renamed to the plan (so two plans share no resource at a
// recipient), kept by Ålesund or by Molde, the kommune the person moved to. The identifier systems
// are read from the example, whichever spelling it uses, and only their orgnr segment changes.
export const MOLDE = {
  orgnr: ORG.molde,
  herId: '8110031',
  kommunenummer: '1506',
  name: 'Molde kommune, Koordinerende enhet',
} as const;

export interface OwnPlanOptions {
  person: string;
  planValue: string;
  /** Who keeps the plan and sends the copy (default Ålesund, as the example). */
  owner?: 'alesund' | 'molde';
  status?: CarePlan['status'];
  /** CarePlan.replaces as sent. */
  replaces?: Reference<CarePlan>[];
  timestamp?: string;
}

/** The plan's `system|value`, as the plan index names it. */
export const planKeyOf = (b: Bundle): string => `${planOf(b).identifier![0].system}|${planOf(b).identifier![0].value}`;

/** A reference naming a plan by identifier, as CarePlan.replaces should. */
export const byIdentifier = (b: Bundle): Reference<CarePlan> => ({
  type: 'CarePlan',
  identifier: { ...(planOf(b).identifier![0] as Identifier) },
});

export function ownPlan(options: OwnPlanOptions): Bundle {
  const b = planCopy({
    freshId: true,
    person: options.person,
    ...(options.timestamp ? { timestamp: options.timestamp } : {}),
  });
  const exampleValue = planOf(b).identifier![0].value as string;
  const molde = options.owner === 'molde';
  for (const e of b.entry ?? []) {
    for (const id of (e.resource as { identifier?: Identifier[] }).identifier ?? []) {
      const orgnr = orgnrOfSystem(id.system);
      if (!orgnr) continue; // national identifiers (person, HPR, organisation) stay
      id.value = id.value?.replace(exampleValue, options.planValue);
      if (molde && orgnr === ORG.alesund) id.system = id.system!.replace(`/${ORG.alesund}/`, `/${MOLDE.orgnr}/`);
    }
  }
  if (molde) {
    const sender = byId<Organization>(b, 'alesund');
    const renamed: Record<string, string> = { [ORG.alesund]: MOLDE.orgnr, '8110021': MOLDE.herId };
    sender.identifier = sender.identifier!.map((i) =>
      i.value && renamed[i.value] ? { ...i, value: renamed[i.value] } : i
    );
    sender.name = MOLDE.name;
    movedToMolde(byId<Patient>(b, 'pas'));
  }
  if (options.status) planOf(b).status = options.status;
  if (options.replaces) planOf(b).replaces = options.replaces;
  return b;
}

/** The person lives in Molde now: the home address's municipality code says 1506. */
function movedToMolde(patient: Patient): void {
  type Coded = { valueCoding?: { code?: string; display?: string } };
  const home = patient.address![0] as { city?: string; district?: string; _district?: { extension?: Coded[] } };
  home.city = 'Molde';
  home.district = 'Molde';
  for (const ext of home._district?.extension ?? []) {
    if (ext.valueCoding) ext.valueCoding = { ...ext.valueCoding, code: MOLDE.kommunenummer, display: 'Molde' };
  }
}
