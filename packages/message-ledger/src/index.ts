export * from './message-record';
export { MessageLedger, jobIdFor, type AcceptInput } from './message-ledger';
