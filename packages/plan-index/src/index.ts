export { patientKeyer, type PatientKeyer } from './patient-key';
export {
  planEntryOf,
  nextRevisionOf,
  orgnrOfSystem,
  replacedPlansOf,
  ENDED_PLAN_STATUSES,
  type PlanEntry,
} from './plan-entry';
export { PlanIndex, type ClaimResult } from './plan-index';
