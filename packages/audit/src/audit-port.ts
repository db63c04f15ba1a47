import type { PreparedEntry } from '@ipbro/message-ledger';
import type { AuditInput } from './audit-record';

/**
 * The audit trail as everything that writes to it sees it (intake, delivery steps, receipts,
 * re-drives, operator actions); AuditTrail is the one implementation.
 */
export interface AuditPort {
  /** One record on its own. Never rejects: a record Redis refuses is written to the log instead. */
  record(input: AuditInput): Promise<unknown>;
  /** The record as an entry a ledger write appends in its own Redis step (MessageLedger.move and accept take it as `audit`). */
  prepare(input: AuditInput): PreparedEntry;
}
