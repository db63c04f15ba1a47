import type { MessageRecord, MessageState } from './message-record';

/** What a move may change besides the state. */
export type MovePatch = Partial<Pick<MessageRecord, 'attempts' | 'recipient' | 'receipt' | 'discarded'>>;

/**
 * `from` moved to `state` as the move script moves it (state, updatedAt, a history entry, the
 * patch's fields), for a caller that read `from` and was told it was still the stored record.
 */
export function movedRecord(
  from: MessageRecord,
  state: MessageState,
  detail: string,
  at: string,
  patch: MovePatch
): MessageRecord {
  const record: MessageRecord = Object.assign({}, from, {
    state,
    updatedAt: at,
    history: from.history.concat([detail ? { at, state, detail } : { at, state }]),
  });
  for (const [k, v] of Object.entries(patch))
    if (v !== undefined) (record as unknown as Record<string, unknown>)[k] = v;
  return record;
}
