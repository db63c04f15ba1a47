import type { AuditInput, AuditWho } from '@ipbro/audit';
import { resolveReference, type MessageView } from '@ipbro/fhir-message';
import type { MessageRecord, Move } from '@ipbro/message-ledger';
import { errorIssue, informationOutcome, OutcomeError } from '@ipbro/outcome';
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { IntakeDeps } from './intake-deps';
import { durably } from './storage';

export interface ReceiptResult {
  status: 200;
  body: OperationOutcome;
  /** The records the receipt was applied to, after the change. */
  records: MessageRecord[];
}

/** The reason a recipient gave: the diagnostics of the OperationOutcome that MessageHeader.response.details names. */
export function receiptReason(view: MessageView): string | undefined {
  const details = resolveReference<OperationOutcome>(view.bundle, view.header.response?.details);
  if (details?.resource.resourceType !== 'OperationOutcome') return undefined;
  const said = (details.resource.issue ?? [])
    .map((i) => i.diagnostics ?? i.details?.text)
    .filter((t): t is string => !!t);
  return said.length ? said.join('; ') : undefined;
}

/** Was this record sent to the organisation that answers (by orgnr of the token, or the receipt sender's HER-id)? */
function sentTo(record: MessageRecord, orgnr: string, herId: string | undefined): boolean {
  const r = record.recipient;
  if (!r) return false;
  return r.orgnr === orgnr || (!!herId && r.herId === herId);
}

/**
 * A receipt (MessageHeader.response) names one of our message ids. Applied to each record with that
 * id that went to the answering organisation: `ok` → acknowledged, `fatal-error` → rejected with the
 * reason, `transient-error` → a note in the history (the delivery stays where it is); each move
 * with its `receipt.received` audit record in the same Redis step, and a receipt the ledger refuses
 * (the message is final already) recorded on its own. Anyone else learns nothing: the answer is the
 * same as for an id that does not exist. `from.orgnr` is the sender, already checked to be the token's organisation.
 */
export async function applyReceipt(
  view: MessageView,
  from: { orgnr: string; who: AuditWho },
  deps: Pick<IntakeDeps, 'ledger' | 'audit'>
): Promise<ReceiptResult> {
  const response = view.response as { identifier: string; code: string };
  const herId = view.senderIds.herId;
  const candidates = await durably('reading the ledger', () => deps.ledger.findById(response.identifier));
  const mine = candidates.filter((r) => sentTo(r, from.orgnr, herId));
  if (mine.length === 0) {
    throw new OutcomeError(422, [
      errorIssue(
        'not-found',
        `No message ${response.identifier} was sent to organisation ${from.orgnr}`,
        `Bundle.entry[${view.headerIndex}].resource.response.identifier`
      ),
    ]);
  }
  const reason = receiptReason(view);
  const said = `receipt ${response.code} from ${from.orgnr}${herId ? ` (HER-id ${herId})` : ''}`;
  const recipient = { orgnr: from.orgnr, ...(herId ? { herId } : {}) };
  const records = await durably('recording the receipt', () =>
    Promise.all(
      mine.map(async (r) => {
        const move = receiptMove(r, response.code, said, reason);
        const entry = (state: string): AuditInput => ({
          event: 'receipt.received',
          messageId: r.id,
          outcome: 'success',
          who: from.who,
          sender: r.sender,
          messageEvent: r.event,
          recipient,
          detail: `receipt ${response.code} (message ${state})`,
        });
        const moved = await deps.ledger.move({ ...move, audit: deps.audit?.prepare(entry(move.to)) });
        if (!moved.changed) await deps.audit?.record(entry(moved.record.state));
        return moved.record;
      })
    )
  );
  return {
    status: 200,
    body: informationOutcome(`Receipt ${response.code} recorded for message ${response.identifier}`),
    records,
  };
}

/** The ledger move a receipt code asks for. transient-error: the recipient will answer again; only the history says so. */
function receiptMove(r: MessageRecord, code: string, said: string, reason: string | undefined): Move {
  const at = new Date().toISOString();
  if (code === 'ok') return { key: r.key, to: 'acknowledged', detail: said, patch: { receipt: { code: 'ok', at } } };
  const detail = reason ? `${said}: ${reason}` : said;
  if (code === 'fatal-error') {
    return {
      key: r.key,
      to: 'rejected',
      detail,
      patch: { receipt: { code: 'fatal-error', at, ...(reason ? { detail: reason } : {}) } },
    };
  }
  return { key: r.key, from: r.state, to: r.state, detail };
}
