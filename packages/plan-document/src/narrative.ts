import { fhirToIpDocument, type IpDocument } from '@ipbro/ip-model';
import type { Bundle, CarePlan, Narrative } from '@medplum/fhirtypes';
import { ipCarePlanIndex, isSubsetted } from './ip-care-plan';
import { planView } from './plan-view';
import { planXhtml } from './plan-xhtml';

/**
 * The plan as a CarePlan narrative: the same rendering as the HTML page and the PDF (without the
 * part about the copy, which belongs to a message, not to the plan), in the XHTML FHIR allows.
 */
export function planNarrative(doc: IpDocument): Narrative {
  const open = '<div xmlns="http://www.w3.org/1999/xhtml" lang="nb" xml:lang="nb">';
  return { status: 'generated', div: `${open}\n${planXhtml(planView(doc))}\n</div>` };
}

/**
 * The bundle with its individuell plan's CarePlan.text filled from the plan (read from the bundle
 * unless `doc` is given). A narrative the sender wrote is theirs and is kept, and a plan tagged
 * SUBSETTED gets none (it is not all there). A new bundle; the input is not changed. Throws what
 * fhirToIpDocument throws for a bundle without a readable plan.
 */
export function withPlanNarrative(bundle: Bundle, doc?: IpDocument): Bundle {
  const index = ipCarePlanIndex(bundle);
  if (index < 0) return bundle;
  const plan = bundle.entry![index].resource as CarePlan;
  if (plan.text || isSubsetted(plan)) return bundle;
  const { resourceType, id, meta, ...rest } = plan;
  const text = planNarrative(doc ?? fhirToIpDocument(bundle));
  const entry = [...bundle.entry!];
  entry[index] = {
    ...entry[index],
    resource: { resourceType, ...(id ? { id } : {}), ...(meta ? { meta } : {}), text, ...rest },
  };
  return { ...bundle, entry };
}
