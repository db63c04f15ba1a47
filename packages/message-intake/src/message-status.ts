import type { MessageLedger } from '@ipbro/message-ledger';
import type { IntakeAuth } from './intake-deps';
import { statusView, type MessageStatus } from './status-view';
import { durably } from './storage';

export const OPS_SCOPE = 'ipbro:ops';

/**
 * GET /messages/{id}: the sending organisation's record with that id, or any sender's for a token
 * with ipbro:ops. Undefined otherwise, so another organisation cannot tell an id exists.
 */
export async function messageStatus(id: string, auth: IntakeAuth, ledger: MessageLedger): Promise<MessageStatus | undefined> {
  const records = await durably('reading the ledger', () => ledger.findById(id));
  const ops = auth.scopes.includes(OPS_SCOPE);
  const visible = records.find((r) => r.sender === auth.orgnr) ?? (ops ? records[0] : undefined);
  return visible ? statusView(visible) : undefined;
}
