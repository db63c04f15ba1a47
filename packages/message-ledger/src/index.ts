export * from './message-record';
export { jobIdFor, keyForJobId } from './job-id';
export { MessageLedger, type AcceptInput } from './message-ledger';
