export { patientKeyer, type PatientKeyer } from './patient-key';
export { planEntryOf, nextRevisionOf, type PlanEntry } from './plan-entry';
export { PlanIndex, type ClaimResult } from './plan-index';
