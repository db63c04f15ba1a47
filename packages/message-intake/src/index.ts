export { acceptMessage, type IntakeResult } from './intake';
export type { IntakeAuth, IntakeDeps, JobQueue, RecipientLookup } from './intake-deps';
export { applyReceipt, receiptReason, type ReceiptResult } from './receipt';
export { messageStatus, OPS_SCOPE } from './message-status';
export { statusView, type MessageStatus } from './status-view';
export { durably } from './storage';
