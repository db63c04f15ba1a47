export { acceptMessage, type IntakeResult } from './intake';
export type { AcceptPlan, IntakeAuth, IntakeDeps, JobQueue, RecipientLookup } from './intake-deps';
export { applyReceipt, receiptReason, type ReceiptResult } from './receipt';
export { messageStatus, OPS_SCOPE } from './message-status';
export { statusView, type MessageStatus } from './status-view';
export { durably } from './storage';
export { answerOf, answeredMeldeplikt, meldepliktAnswerCheck, type AnswerIntakeDeps } from './meldeplikt-answer';
export { withAnswer } from './answer-status';
