export { readLedger } from './ledger-snapshot';
export { byConcern, recipientHealth, recipientId, type RecipientHealth } from './recipient-health';
export {
  readReceiptJobs,
  receiptHealth,
  receiptHealthOf,
  receiptRowId,
  RECEIPT_JOB_LIMITS,
  type ReceiptJobLimits,
  type ReceiptJobView,
} from './receipt-health';
export { queueOverview, type QueueOverview } from './queue-overview';
export { searchMessages, messageView, type MessageQuery, type MessageView } from './message-search';
export { OpsActions, ActionRefused, type Actor, type OperatorAction } from './ops-actions';
export {
  evaluateAlerts,
  DEFAULT_THRESHOLDS,
  type AlertThresholds,
  type AlertCondition,
  type AlertRule,
} from './alert-rules';
export { AlertNotifier, type ActiveAlert, type AlertEvent } from './alert-notifier';
export { MemoryAlertStore, RedisAlertStore, type AlertStore } from './alert-store';
export { osloTime } from './oslo-time';
export { recipientKindOf, RECIPIENT_KIND_LABEL } from './recipient-kind';
