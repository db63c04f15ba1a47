export { createKommuneSimulator, type KommuneSimulator, type KommuneSimulatorOptions, type Received } from './kommune-simulator';
export { parseBehaviour, type Behaviour } from './behaviour';
export { receiptFor } from './receipt-message';
export { createFhirPeer, type FhirPeer } from './fhir-peer';
