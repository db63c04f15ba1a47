import { DOCUMENT_TYPE_SYSTEM } from '@ipbro/fhir-message';
import type { Bundle, CarePlan } from '@medplum/fhirtypes';

/** FHIR's tag for a resource that holds only some of its elements (v3-ObservationValue SUBSETTED). */
const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

/** A CarePlan with the category that makes it an individuell plan (Volven 9602 A02-2), as fhirToIpDocument finds it. */
export const isIpCarePlan = (r: unknown): r is CarePlan =>
  (r as CarePlan)?.resourceType === 'CarePlan' &&
  ((r as CarePlan).category ?? []).some((c) =>
    c?.coding?.some((x) => x?.system === DOCUMENT_TYPE_SYSTEM && x.code === 'A02-2')
  );

/** The index of the bundle's individuell plan, or -1. */
export const ipCarePlanIndex = (bundle: Bundle): number =>
  (bundle.entry ?? []).findIndex((e) => isIpCarePlan(e?.resource));

/**
 * Whether the plan is tagged SUBSETTED: only some of it is there (IP-bro's notice to the owner of a
 * replaced plan carries its identifier and status alone), so no rendering of it can be the plan.
 */
export const isSubsetted = (plan: CarePlan): boolean =>
  !!plan.meta?.tag?.some((t) => t.system === SUBSETTED.system && t.code === SUBSETTED.code);
