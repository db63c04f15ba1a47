import { MESSAGE_STATES, type MessageLedger, type MessageRecord } from '@ipbro/message-ledger';

/**
 * Every record in the ledger, read through its per-state sets. The ops views are computed from
 * this on demand: at the volumes of IP messaging (thousands a day, not millions) a full read is
 * cheap, and it needs no second index the delivery path would have to keep in step.
 */
export async function readLedger(ledger: MessageLedger): Promise<MessageRecord[]> {
  const keys = (await Promise.all(MESSAGE_STATES.map((s) => ledger.listByState(s)))).flat();
  return ledger.getMany([...new Set(keys)]);
}
