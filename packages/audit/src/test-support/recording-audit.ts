import type { AuditPort } from '../audit-port';
import type { AuditInput } from '../audit-record';

/**
 * A trail for tests: `inner` (a real AuditTrail) does the work, and every input that was stored,
 * on its own or landed with a ledger write, is kept in `entries` in the order it was stored.
 */
export function recordingAudit(inner: AuditPort): { audit: AuditPort; entries: AuditInput[] } {
  const entries: AuditInput[] = [];
  const audit: AuditPort = {
    record: (input) => {
      entries.push(input);
      return inner.record(input);
    },
    prepare: (input) => {
      const prepared = inner.prepare(input);
      return {
        append: prepared.append,
        stored: (entryId) => {
          entries.push(input);
          return prepared.stored(entryId);
        },
      };
    },
  };
  return { audit, entries };
}
