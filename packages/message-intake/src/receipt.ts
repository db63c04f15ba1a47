import { resolveReference, type MessageView } from '@ipbro/fhir-message';
import type { MessageLedger, MessageRecord } from '@ipbro/message-ledger';
import { errorIssue, informationOutcome, OutcomeError } from '@ipbro/outcome';
import type { OperationOutcome } from '@medplum/fhirtypes';
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
  const said = (details.resource.issue ?? []).map((i) => i.diagnostics ?? i.details?.text).filter((t): t is string => !!t);
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
 * reason, `transient-error` → a note in the history (the delivery stays where it is). Anyone else
 * learns nothing: the answer is the same as for an id that does not exist.
 * `orgnr` is the sender, already checked to be the token's organisation.
 */
export async function applyReceipt(view: MessageView, orgnr: string, ledger: MessageLedger): Promise<ReceiptResult> {
  const response = view.response as { identifier: string; code: string };
  const herId = view.senderIds.herId;
  const candidates = await durably('reading the ledger', () => ledger.findById(response.identifier));
  const mine = candidates.filter((r) => sentTo(r, orgnr, herId));
  if (mine.length === 0) {
    throw new OutcomeError(422, [
      errorIssue('not-found', `No message ${response.identifier} was sent to organisation ${orgnr}`, `Bundle.entry[${view.headerIndex}].resource.response.identifier`),
    ]);
  }
  const reason = receiptReason(view);
  const from = `receipt ${response.code} from ${orgnr}${herId ? ` (HER-id ${herId})` : ''}`;
  const records = await durably('recording the receipt', () =>
    Promise.all(
      mine.map((r) => {
        if (response.code === 'ok') return ledger.transition(r.key, 'acknowledged', from, { receipt: { code: 'ok', at: new Date().toISOString() } });
        if (response.code === 'fatal-error') {
          return ledger.transition(r.key, 'rejected', reason ? `${from}: ${reason}` : from, {
            receipt: { code: 'fatal-error', at: new Date().toISOString(), ...(reason ? { detail: reason } : {}) },
          });
        }
        // transient-error: the recipient will answer again; only the history says so.
        return ledger.transition(r.key, r.state, reason ? `${from}: ${reason}` : from);
      })
    )
  );
  return { status: 200, body: informationOutcome(`Receipt ${response.code} recorded for message ${response.identifier}`), records };
}
