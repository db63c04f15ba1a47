export * from './message-record';
export { jobIdFor, keyForJobId } from './job-id';
export { MessageLedger, bindBodyCipher, type AcceptInput } from './message-ledger';
export { BodyCipher, bodyCipherFromConfig, keyIdOf, storedKeyId, type BodyCipherLike } from './body-cipher';
