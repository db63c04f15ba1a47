import { QUEUE_PREFIX } from '@ipbro/queues';
import type { MessageState } from './message-record';

/** The prefix of every key unless configured (QUEUE_PREFIX, the queues' own): hash-tagged, so all keys share one Redis Cluster slot. */
export const DEFAULT_PREFIX = QUEUE_PREFIX;

/**
 * Every Redis key IP-bro writes beside its queues, under one prefix (the queues' own, so a Lua
 * step or MULTI may touch any of them together). The one place key names are made.
 */
export function ledgerKeys(prefix: string = DEFAULT_PREFIX) {
  return {
    prefix,
    /** A message's record (JSON). */
    record: (key: string) => `${prefix}:msg:${key}`,
    /** The message as received, encrypted when the ledger has a cipher. */
    body: (key: string) => `${prefix}:body:${key}`,
    /** The set of ledger keys in a state; the move script appends the state to `statePrefix`. */
    state: (state: MessageState) => `${prefix}:state:${state}`,
    statePrefix: `${prefix}:state:`,
    /** Ledger keys by message id, across senders (a receipt names only our id). */
    messageId: (id: string) => `${prefix}:id:${id}`,
    /** The receipt outbox: 'key|state' of messages whose sender is owed a receipt (the move script adds them). */
    receiptOutbox: `${prefix}:receipts:pending`,
    /** The audit trail: every record, capped by length, its entries older than AUDIT_RETENTION_DAYS archived to the log. */
    auditTrail: `${prefix}:audit`,
    /** The lock of the sweep that archives old audit entries (one sweep at a time across replicas). */
    auditArchiveLock: `${prefix}:audit-archive:lock`,
    // Message ids are FHIR ids (≤ 64 characters); the cut only guards the key against anything longer.
    /** One message id's own audit entries: a list of `<entry id> <record>`, oldest first. */
    auditOfMessage: (messageId: string) => `${prefix}:audit:of:${messageId.slice(0, 128)}`,
    /** Where a message's own audit entries were kept as a stream before they were a list: read, never written. */
    legacyAuditStreamOfMessage: (messageId: string) => `${prefix}:audit:message:${messageId.slice(0, 128)}`,
    /** The operators' recent actions (the dashboard's list). */
    opsActions: `${prefix}:ops:audit`,
    /** The ops dashboard's active alerts. */
    opsAlerts: `${prefix}:ops:alerts`,
    /** A person's consents (taushetsplikt-fritak), by the keyed hash of the person. */
    consents: (patientKey: string) => `${prefix}:consents:${patientKey}`,
    /** A person's one plan (the plan index), by the keyed hash of the person. */
    plan: (patientKey: string) => `${prefix}:plan:${patientKey}`,
  };
}

export type LedgerKeys = ReturnType<typeof ledgerKeys>;
