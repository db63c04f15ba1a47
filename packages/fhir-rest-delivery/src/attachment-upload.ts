import type { Attachment, Bundle, DocumentReference } from '@medplum/fhirtypes';
import { createHash } from 'node:crypto';
import { outcomeText, retryAfter } from '@ipbro/http-client';
import { httpPost, type TransactionOptions } from './transaction-client';

/**
 * Longest base64 text left inline. FHIR servers cap string sizes (Medplum refuses strings over
 * 1 MB), so a larger document goes up first as a Binary in its own content type and the
 * DocumentReference points at it.
 */
export const MAX_INLINE_ATTACHMENT_CHARS = 1_000_000;

export type UploadOutcome =
  | { kind: 'ok'; bundle: Bundle; uploaded: number }
  | { kind: 'transient'; reason: string; retryAfterMs?: number }
  | { kind: 'rejected'; reason: string };

/**
 * Uploads every DocumentReference attachment whose data is longer than `maxInlineChars` as a raw
 * `POST {fhirBase}/Binary` (the document's content type, its bytes as sent), and gives back the
 * bundle with those attachments pointing at `Binary/{id}` (with size and SHA-1 hash) instead of
 * carrying the data. The input is not changed. A retry uploads again: Binary has no business
 * identifier to make the upload conditional, so a failed delivery can leave an unreferenced Binary.
 */
export async function uploadLargeAttachments(
  fhirBase: string,
  bundle: Bundle,
  options: TransactionOptions & { maxInlineChars?: number }
): Promise<UploadOutcome> {
  const max = options.maxInlineChars ?? MAX_INLINE_ATTACHMENT_CHARS;
  const large = (a: Attachment | undefined) => typeof a?.data === 'string' && a.data.length > max;
  if (
    !(bundle.entry ?? []).some(
      (e) =>
        e.resource?.resourceType === 'DocumentReference' &&
        (e.resource as DocumentReference).content?.some((c) => large(c.attachment))
    )
  ) {
    return { kind: 'ok', bundle, uploaded: 0 };
  }
  let uploaded = 0;
  const entries = [];
  for (const e of bundle.entry ?? []) {
    const doc = e.resource as DocumentReference | undefined;
    if (doc?.resourceType !== 'DocumentReference' || !doc.content?.some((c) => large(c.attachment))) {
      entries.push(e);
      continue;
    }
    const content = [];
    for (const c of doc.content) {
      if (!large(c.attachment)) {
        content.push(c);
        continue;
      }
      const { data, ...rest } = c.attachment;
      const bytes = Buffer.from(data as string, 'base64');
      const result = await httpPost(
        `${fhirBase.replace(/\/+$/, '')}/Binary`,
        bytes,
        rest.contentType ?? 'application/octet-stream',
        options
      );
      if ('error' in result)
        return {
          kind: 'transient',
          reason: `uploading the document: ${result.error.code ?? 'network error'}: ${result.error.message}`,
        };
      const text = outcomeText(result.body);
      if (result.status === 408 || result.status === 429 || result.status >= 500) {
        const after = retryAfter(result.headers);
        return {
          kind: 'transient',
          reason: `uploading the document: HTTP ${result.status}${text ? `: ${text}` : ''}`,
          ...(after !== undefined ? { retryAfterMs: after } : {}),
        };
      }
      const location = typeof result.headers.location === 'string' ? result.headers.location : undefined;
      const id =
        location?.match(/Binary\/([A-Za-z0-9\-.]{1,64})/)?.[1] ??
        (result.body as { resourceType?: string; id?: string } | undefined)?.id;
      if (result.status < 200 || result.status >= 300 || !id)
        return {
          kind: 'rejected',
          reason: `uploading the document: HTTP ${result.status}${text ? `: ${text}` : id ? '' : ', no Binary id in the answer'}`,
        };
      uploaded++;
      content.push({
        ...c,
        attachment: {
          ...rest,
          url: `Binary/${id}`,
          size: bytes.length,
          hash: createHash('sha1').update(bytes).digest('base64'),
        },
      });
    }
    entries.push({ ...e, resource: { ...doc, content } });
  }
  return { kind: 'ok', bundle: { ...bundle, entry: entries }, uploaded };
}
