import type { AnswerStore, MessageRecord } from '@ipbro/message-ledger';
import type { IntakeAuth } from './intake-deps';
import type { MessageStatus } from './status-view';
import { durably } from './storage';

const OPS = 'ipbro:ops';

/**
 * A meldeplikt's status with the kommune's answer, when there is one (CONTRACT.md: `answer`). The
 * koordinator's name and contacts, and a rejection's reason, only for the sending organisation's own
 * systems; anyone else allowed to see the status (an ops token, even one of the sender's organisation)
 * sees whether and when it was answered, never who.
 */
export async function withAnswer(
  status: MessageStatus,
  record: MessageRecord,
  auth: IntakeAuth,
  answers: AnswerStore
): Promise<MessageStatus> {
  if (record.event !== 'meldeplikt') return status;
  const sender = !!auth.orgnr && auth.orgnr === record.sender && !auth.scopes.includes(OPS);
  if (sender) {
    const answer = await durably('reading the answer', () => answers.read(record.key));
    if (!answer) return status;
    const { svar: _svar, ...shown } = answer;
    return { ...status, answer: shown };
  }
  const summary = await durably('reading the answer', () => answers.summary(record.key));
  return summary ? { ...status, answer: { status: summary.status, at: summary.at } } : status;
}
