export * from './message-record';
export { jobIdFor, keyForJobId, requeueJobIdFor } from './job-id';
export { DEFAULT_PREFIX, ledgerKeys, type LedgerKeys } from './ledger-keys';
export { MessageLedger, DEFAULT_BODY_RETENTION_SECONDS } from './message-ledger';
export type { AcceptInput, LedgerOptions, Move, MoveResult } from './message-ledger';
export { movedRecord, type MovePatch } from './moved-record';
export { appendArguments, appendEntry, type PreparedEntry, type StreamAppend } from './stream-append';
export { AnswerStore, type AnswerSummary, type AnswerTelecom, type MeldepliktAnswer } from './answer-store';
export { BodyCipher, bodyCipherFromConfig, keyIdOf, storedKeyId, type BodyCipherLike } from './body-cipher';
