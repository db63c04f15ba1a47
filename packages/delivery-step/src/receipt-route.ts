import type { Directory } from '@ipbro/directory';
import type { MessageRecord } from '@ipbro/message-ledger';

/** Where a sender's receipt goes, and why there. */
export type ReceiptRoute =
  { kind: 'endpoint'; endpoint: string; via: 'source.endpoint' | 'directory' } | { kind: 'none'; reason: string };

/**
 * The way back for a receipt: the endpoint the sender named (MessageHeader.source.endpoint), else the
 * koordinerende enhet the directory lists for the sending helseforetak when it takes FHIR messages;
 * otherwise none, and polling GET /messages/{id} stays the sender's only way to hear.
 */
export function receiptRouteFor(
  record: Pick<MessageRecord, 'sender' | 'sourceEndpoint'>,
  directory?: Directory
): ReceiptRoute {
  if (record.sourceEndpoint) return { kind: 'endpoint', endpoint: record.sourceEndpoint, via: 'source.endpoint' };
  const enhet = directory?.helseforetakByOrgnr(record.sender)?.koordinerendeEnhet;
  const endpoint = enhet?.delivery === 'fhir-message' ? (enhet.endpoint ?? enhet.fhirBase) : undefined;
  if (endpoint) return { kind: 'endpoint', endpoint, via: 'directory' };
  return { kind: 'none', reason: 'no source.endpoint, and the directory lists no koordinerende enhet for the sender' };
}
