export { summarizeConsents, type ConsentSummary } from './consent-summary';
export { decideConsent, periodCovers, FRITAK, type ConsentDecision, type GateRecipient } from './consent-decision';
export { ConsentRegistry } from './consent-registry';
