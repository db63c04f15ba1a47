import type { Bundle, MessageHeader, OperationOutcome } from '@medplum/fhirtypes';

export type DeliveryOutcome =
  | { kind: 'acknowledged'; receipt: { code: 'ok'; detail?: string } }
  | { kind: 'delivered'; detail: string }
  | { kind: 'transient'; reason: string; retryAfterMs?: number }
  | { kind: 'rejected'; reason: string };

/** What an HTTP exchange came to: a status and a body, or a network error with its code. */
export type DeliveryResult = { status: number; body: unknown; headers?: Record<string, unknown> } | { error: { code?: string; message: string } };

const NETWORK_TRANSIENT = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ECONNABORTED', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_SOCKET_CONNECTION_TIMEOUT'];

function responseHeader(body: unknown, messageId: string): MessageHeader['response'] | undefined {
  const b = body as Bundle | undefined;
  const header = b?.resourceType === 'Bundle' && b.type === 'message' ? (b.entry?.[0]?.resource as MessageHeader | undefined) : undefined;
  if (header?.resourceType !== 'MessageHeader' || header.response?.identifier !== messageId) return undefined;
  return header.response;
}

function outcomeText(body: unknown): string | undefined {
  const o = body as OperationOutcome | undefined;
  if (o?.resourceType === 'OperationOutcome') return o.issue?.map((i) => i.diagnostics ?? i.details?.text ?? i.code).join('; ');
  return undefined;
}

function retryAfter(headers: Record<string, unknown> | undefined): number | undefined {
  const v = headers?.['retry-after'];
  if (typeof v !== 'string') return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * CONTRACT.md "Messages out": 200 with a response message naming our id is the receipt at once
 * (ok → acknowledged; transient-error → retry; fatal-error → rejected); 202, or 200 without one, is
 * delivered (the receipt comes later); 5xx, 429, timeouts and connection errors are transient;
 * other 4xx are fatal.
 */
export function classifyDelivery(result: DeliveryResult, messageId: string): DeliveryOutcome {
  if ('error' in result) {
    const code = result.error.code ?? '';
    if (NETWORK_TRANSIENT.includes(code) || /timeout/i.test(result.error.message)) return { kind: 'transient', reason: `${code || 'network error'}: ${result.error.message}` };
    return { kind: 'transient', reason: `network error: ${result.error.message}` };
  }
  const { status, body } = result;
  if (status === 200 || status === 201) {
    const response = responseHeader(body, messageId);
    if (!response) return { kind: 'delivered', detail: `HTTP ${status}, receipt to follow` };
    const detail = outcomeText((body as Bundle).entry?.find((e) => e.resource?.resourceType === 'OperationOutcome')?.resource);
    if (response.code === 'ok') return { kind: 'acknowledged', receipt: { code: 'ok', ...(detail ? { detail } : {}) } };
    if (response.code === 'transient-error') return { kind: 'transient', reason: `receipt transient-error${detail ? `: ${detail}` : ''}` };
    return { kind: 'rejected', reason: `receipt ${response.code}${detail ? `: ${detail}` : ''}` };
  }
  if (status >= 200 && status < 300) return { kind: 'delivered', detail: `HTTP ${status}, receipt to follow` };
  if (status === 429 || status >= 500 || status === 408) {
    return { kind: 'transient', reason: `HTTP ${status}${outcomeText(body) ? `: ${outcomeText(body)}` : ''}`, ...(retryAfter(result.headers) !== undefined ? { retryAfterMs: retryAfter(result.headers) } : {}) };
  }
  return { kind: 'rejected', reason: `HTTP ${status}${outcomeText(body) ? `: ${outcomeText(body)}` : ''}` };
}
