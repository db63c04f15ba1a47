export { planTransactions, transactionBundle, conditionalSearch, referencesIn, UndeliverableError, type PlannedEntry, type TransactionPlan } from './transaction-plan';
export { deliverTransactions, postTransaction, classifyTransaction, type RestDeliveryOutcome, type TransactionOptions } from './transaction-client';
