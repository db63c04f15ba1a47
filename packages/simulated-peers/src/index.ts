// The peers of IP-bro's demo and tests, in-process: the services kommune-simulator and
// hospital-simulator serve them, and tests start them beside the service under test.
export {
  createKommuneSimulator,
  type KommuneSimulator,
  type KommuneSimulatorOptions,
  type Received,
} from './kommune-simulator';
export { parseBehaviour, type Behaviour } from './behaviour';
export { receiptFor } from './receipt-message';
export { buildHandover } from './handover-message';
export { createFhirPeer, medplumCapabilityStatement, type FhirPeer } from './fhir-peer';
export { meldepliktSvarFor, type SvarOptions } from './meldeplikt-svar-message';
export { parseAnswerSetting, type AnswerSetting } from './kommune-answers';
export { PendingTimers } from './pending-timers';
export * from './token-issuer';
export * from './hospital-simulator';
export * from './demo-clients';
