import type { MessageState } from './message-record';
import type { MessageLedger, TransitionPatch, TransitionResult } from './message-ledger';
import type { PreparedEntry } from './stream-append';

/**
 * A trail that keeps a record of each ledger move (@ipbro/audit's AuditTrail fits): `prepare` makes
 * the record a move appends in its own Redis step; `record` writes one on its own.
 */
export interface MoveRecorder<E> {
  record(entry: E): Promise<unknown>;
  prepare?(entry: E): PreparedEntry;
}

/**
 * A single-winner move (only from `expected`) with its record: appended in the move's own Redis step
 * when the trail can prepare one (and logged once it landed), else written right after the move. A
 * move another worker or operator won changed nothing and records nothing.
 */
export async function transitionIfWithRecord<E>(
  ledger: MessageLedger,
  move: { key: string; expected: MessageState; state: MessageState; detail: string; patch?: TransitionPatch; force?: boolean },
  trail: MoveRecorder<E> | undefined,
  entry: E
): Promise<TransitionResult> {
  const prepared = trail?.prepare?.(entry);
  const moved = await ledger.transitionIfRecorded(move.key, move.expected, move.state, move.detail, move.patch ?? {}, { force: move.force ?? false, ...(prepared ? { append: prepared.append } : {}) });
  if (!moved.changed) return moved;
  if (prepared && moved.entryId) prepared.stored(moved.entryId);
  else await trail?.record(entry);
  return moved;
}
