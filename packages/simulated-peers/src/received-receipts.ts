import type { Bundle, MessageHeader, OperationOutcome } from '@medplum/fhirtypes';

/** A receipt as the sending system shows it (a ward, a kommune): which of its messages, how it ended, and why when not ok. */
export interface ReceivedReceipt {
  at: string;
  /** The receipt's own MessageHeader.id (stable: a repeat carries the same one). */
  id?: string;
  /** The message it answers (response.identifier), its event and the response code. */
  answers: string;
  event?: string;
  code: string;
  reason?: string;
  from?: string;
  /** Where it arrived: a helseforetak's path (`ous`, `stolav`, `bergen`; none for the hospital's own) or a kommune. */
  hospital?: string;
  kommune?: string;
}

/** The receipt read from a message bundle; undefined for anything that is not a receipt. */
export function receiptIn(
  body: Bundle,
  at: string,
  where: { hospital?: string; kommune?: string } = {}
): ReceivedReceipt | undefined {
  const header = body?.entry?.[0]?.resource as MessageHeader | undefined;
  if (header?.resourceType !== 'MessageHeader' || !header.response) return undefined;
  const details = header.response.details?.reference;
  const outcome = body.entry?.find((e) => details && e.fullUrl === details)?.resource as OperationOutcome | undefined;
  const reason = outcome?.issue
    ?.map((i) => i.diagnostics)
    .filter(Boolean)
    .join('; ');
  return {
    at,
    ...(header.id ? { id: header.id } : {}),
    answers: header.response.identifier,
    ...(header.eventCoding?.code ? { event: header.eventCoding.code } : {}),
    code: header.response.code,
    ...(reason ? { reason } : {}),
    ...(header.sender?.display ? { from: header.sender.display } : {}),
    ...(where.hospital ? { hospital: where.hospital } : {}),
    ...(where.kommune ? { kommune: where.kommune } : {}),
  };
}
