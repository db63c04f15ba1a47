export * from './message-record';
export { jobIdFor, keyForJobId, requeueJobIdFor } from './job-id';
export { MessageLedger, bindBodyCipher, type AcceptInput, type TransitionPatch, type TransitionResult } from './message-ledger';
export { APPEND_ENTRY_LUA, appendArguments, type PreparedEntry, type StreamAppend } from './stream-append';
export { transitionIfWithRecord, type MoveRecorder } from './recorded-move';
export { BodyCipher, bodyCipherFromConfig, keyIdOf, storedKeyId, type BodyCipherLike } from './body-cipher';
