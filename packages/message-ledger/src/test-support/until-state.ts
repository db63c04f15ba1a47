import type { MessageRecord, MessageState } from '../message-record';

/** Polls the ledger until the message is in one of `states` (every 50 ms, at most `ms`); throws with the state it is in. */
export async function untilState(
  ledger: { get(key: string): Promise<MessageRecord | undefined> },
  key: string,
  states: readonly (MessageState | string)[],
  ms = 20000
): Promise<MessageRecord> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await ledger.get(key);
    if (r && states.includes(r.state)) return r;
    if (Date.now() > end) throw new Error(`${key} is ${r?.state}, expected ${states.join('|')}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}
