export {
  planTransactions,
  cutBatches,
  SUBSETTED_TAG,
  transactionBundle,
  conditionalSearch,
  referencesIn,
  UndeliverableError,
  type PlannedEntry,
  type TransactionPlan,
} from './transaction-plan';
export {
  deliverTransactions,
  postTransaction,
  classifyTransaction,
  httpPost,
  type RestDeliveryOutcome,
  type TransactionOptions,
  type HttpResult,
} from './transaction-client';
export { uploadLargeAttachments, MAX_INLINE_ATTACHMENT_CHARS, type UploadOutcome } from './attachment-upload';
export { TransactionSizes, transactionSizes, refusedAsTooLarge, capabilityLimit, limitOf } from './transaction-size';
