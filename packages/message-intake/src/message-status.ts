import type { AuditPort } from '@ipbro/audit';
import type { AnswerStore, MessageLedger } from '@ipbro/message-ledger';
import { withAnswer } from './answer-status';
import type { IntakeAuth } from './intake-deps';
import { statusView, type MessageStatus } from './status-view';
import { durably } from './storage';

export const OPS_SCOPE = 'ipbro:ops';

/**
 * GET /messages/{id}: the sending organisation's record with that id, the recipient's for a
 * koordinator-handover, or any sender's for a token with ipbro:ops. Undefined otherwise, so another organisation cannot tell an id exists.
 */
export async function messageStatus(
  id: string,
  auth: IntakeAuth,
  ledger: MessageLedger,
  audit?: AuditPort,
  answers?: AnswerStore
): Promise<MessageStatus | undefined> {
  const records = await durably('reading the ledger', () => ledger.findById(id));
  const ops = auth.scopes.includes(OPS_SCOPE);
  // A koordinator-handover is pending on both sides: the receiving kommune may follow it too.
  const visible =
    records.find((r) => r.sender === auth.orgnr) ??
    records.find((r) => r.event === 'koordinator-handover' && !!auth.orgnr && r.recipient?.orgnr === auth.orgnr) ??
    (ops ? records[0] : undefined);
  // Reads of another organisation's id are recorded too (minor failure): probing shows in the trail.
  await audit?.record({
    event: 'status.read',
    messageId: id,
    outcome: visible ? 'success' : 'minor-failure',
    who: { ...(auth.clientId ? { clientId: auth.clientId } : {}), ...(auth.orgnr ? { orgnr: auth.orgnr } : {}) },
    ...(visible
      ? { sender: visible.sender, messageEvent: visible.event, detail: visible.state }
      : { detail: 'not found for this reader' }),
    ...(records.length === 0 ? { indexByMessage: false } : {}),
  });
  if (!visible) return undefined;
  return answers ? withAnswer(statusView(visible), visible, auth, answers) : statusView(visible);
}
