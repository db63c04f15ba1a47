import type { Bundle, MessageHeader, OperationOutcome } from '@medplum/fhirtypes';

export type DeliveryOutcome =
  | { kind: 'acknowledged'; receipt: { code: 'ok'; detail?: string } }
  | { kind: 'delivered'; detail: string }
  | { kind: 'transient'; reason: string; retryAfterMs?: number }
  | { kind: 'rejected'; reason: string };

/** What an HTTP exchange came to: a status and a body, or a network error with its code. */
export type DeliveryResult =
  { status: number; body: unknown; headers?: Record<string, unknown> } | { error: { code?: string; message: string } };

function responseHeader(body: unknown, messageId: string): MessageHeader['response'] | undefined {
  const b = body as Bundle | undefined;
  const header =
    b?.resourceType === 'Bundle' && b.type === 'message'
      ? (b.entry?.[0]?.resource as MessageHeader | undefined)
      : undefined;
  if (header?.resourceType !== 'MessageHeader' || header.response?.identifier !== messageId) return undefined;
  return header.response;
}

/**
 * The diagnostics of an OperationOutcome, joined; undefined for anything else. A recipient's text
 * (a fhir-message answer, a transaction's or an entry's outcome) goes into the ledger's history, the
 * logs and the ops views, so a person number it echoes back (an
 * 11-digit run: fødselsnummer or D-nummer) is masked and the text kept short.
 */
export function outcomeText(body: unknown): string | undefined {
  const o = body as OperationOutcome | undefined;
  if (o?.resourceType !== 'OperationOutcome' || !o.issue?.length) return undefined;
  const text = o.issue
    .map((i) => i.diagnostics ?? i.details?.text ?? i.code)
    .join('; ')
    .replace(/(?<!\d)\d{6}\s?\d{5}(?!\d)/g, '[person number]');
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Retry-After in delta-seconds or as an HTTP date (RFC 9110 §10.2.3), in ms from now. */
export function retryAfter(headers: Record<string, unknown> | undefined): number | undefined {
  const v = headers?.['retry-after'];
  if (typeof v !== 'string') return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

const withText = (prefix: string, text: string | undefined) => (text ? `${prefix}: ${text}` : prefix);

/**
 * CONTRACT.md "Messages out": 200 with a response message naming our id is the receipt at once
 * (ok → acknowledged; transient-error → retry; fatal-error → rejected); 202, or 200 without one, is
 * delivered (the receipt comes later); 5xx, 408, 429, timeouts and connection or DNS errors are
 * transient; other 4xx are fatal.
 */
export function classifyDelivery(result: DeliveryResult, messageId: string): DeliveryOutcome {
  if ('error' in result) {
    // Every network failure (refused, reset, timeout, DNS, unreachable) may pass: transient.
    return { kind: 'transient', reason: `${result.error.code ?? 'network error'}: ${result.error.message}` };
  }
  const { status, body } = result;
  if (status === 200 || status === 201) {
    const response = responseHeader(body, messageId);
    if (!response) return { kind: 'delivered', detail: `HTTP ${status}, receipt to follow` };
    const detail = outcomeText(
      (body as Bundle).entry?.find((e) => e.resource?.resourceType === 'OperationOutcome')?.resource
    );
    if (response.code === 'ok') return { kind: 'acknowledged', receipt: { code: 'ok', ...(detail ? { detail } : {}) } };
    if (response.code === 'transient-error')
      return { kind: 'transient', reason: withText('receipt transient-error', detail) };
    return { kind: 'rejected', reason: withText(`receipt ${response.code}`, detail) };
  }
  if (status >= 200 && status < 300) return { kind: 'delivered', detail: `HTTP ${status}, receipt to follow` };
  if (status === 408 || status === 429 || status >= 500) {
    const after = retryAfter(result.headers);
    return {
      kind: 'transient',
      reason: withText(`HTTP ${status}`, outcomeText(body)),
      ...(after !== undefined ? { retryAfterMs: after } : {}),
    };
  }
  return { kind: 'rejected', reason: withText(`HTTP ${status}`, outcomeText(body)) };
}
