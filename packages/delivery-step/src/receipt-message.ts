import { createHash } from 'node:crypto';
import type { MessageRecord, MessageState } from '@ipbro/message-ledger';
import type { Bundle, MessageHeader, OperationOutcome } from '@medplum/fhirtypes';

const ORGNR_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.101';
/** Who signs a receipt when the recipient did not answer (blocked, unroutable, dead): the service's operator. */
export interface ReceiptSender {
  orgnr: string;
  name: string;
}
export const DEFAULT_RECEIPT_SENDER: ReceiptSender = { orgnr: '994598759', name: 'IP-bro' };
const EVENT_SYSTEM = 'http://ipbro.no/fhir/CodeSystem/ip-message-event';
/** The namespace of receipt ids (a fixed random UUID): the same message and state always give the same id. */
const RECEIPT_NAMESPACE = 'b3c1f4a2-5d6e-4f70-8a91-2c3d4e5f6a7b';

export type ReceiptCode = 'ok' | 'transient-error' | 'fatal-error';

/** The response code a sender's receipt carries for a final state. */
export function receiptCodeFor(state: MessageState): ReceiptCode {
  if (state === 'acknowledged') return 'ok';
  return state === 'unroutable' ? 'transient-error' : 'fatal-error';
}

/** RFC 4122 UUIDv5 (SHA-1, name-based): stable, so a repeated receipt carries the same MessageHeader.id. */
export function uuidV5(name: string, namespace: string = RECEIPT_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const h = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** The receipt's MessageHeader.id for a message (ledger key) reaching a state. */
export const receiptIdFor = (key: string, state: MessageState): string => uuidV5(`${key}|${state}`);

/** Why the message ended in `state`: the receipt's reason, else the history entry that moved it there. */
export function reasonFor(record: MessageRecord, state: MessageState): string {
  if (state === 'rejected' && record.receipt?.detail) return record.receipt.detail;
  const entry = [...record.history].reverse().find((h) => h.state === state);
  return entry?.detail || state;
}

/**
 * The receipt to the sender of `record` for its state `state`: a FHIR message whose header answers
 * the original (response.identifier), with an OperationOutcome saying why when it is not ok.
 */
export function buildSenderReceipt(
  record: MessageRecord,
  state: MessageState,
  endpoint: string,
  operator: ReceiptSender = DEFAULT_RECEIPT_SENDER,
  now = new Date()
): Bundle {
  const id = receiptIdFor(record.key, state);
  // The recipient answered acknowledged and rejected itself; the rest IP-bro decided.
  const answered = (state === 'acknowledged' || state === 'rejected') && record.recipient?.orgnr;
  const from = answered
    ? { orgnr: record.recipient!.orgnr!, name: record.recipient!.name ?? record.recipient!.orgnr! }
    : operator;
  const senderUrl = `urn:uuid:${uuidV5(`${record.key}|${state}|sender`)}`;
  const code = receiptCodeFor(state);
  const outcomeUrl = `urn:uuid:${uuidV5(`${record.key}|${state}|outcome`)}`;
  const header: MessageHeader = {
    resourceType: 'MessageHeader',
    id,
    eventCoding: { system: EVENT_SYSTEM, code: record.event },
    destination: [{ endpoint }],
    source: { name: 'IP-bro', endpoint: 'urn:ipbro:receipts' },
    sender: { reference: senderUrl, display: from.name },
    response: { identifier: record.id, code, ...(code === 'ok' ? {} : { details: { reference: outcomeUrl } }) },
  };
  const entry: NonNullable<Bundle['entry']> = [
    { fullUrl: `urn:uuid:${id}`, resource: header },
    {
      fullUrl: senderUrl,
      resource: {
        resourceType: 'Organization',
        identifier: [{ system: ORGNR_SYSTEM, value: from.orgnr }],
        name: from.name,
      },
    },
  ];
  if (code !== 'ok') {
    const outcome: OperationOutcome = {
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: code === 'fatal-error' ? 'error' : 'warning',
          code: code === 'fatal-error' ? 'processing' : 'transient',
          diagnostics: `Message ${record.id} is ${state}: ${reasonFor(record, state)}`,
        },
      ],
    };
    entry.push({ fullUrl: outcomeUrl, resource: outcome });
  }
  return { resourceType: 'Bundle', id, type: 'message', timestamp: now.toISOString(), entry };
}
