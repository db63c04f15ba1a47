import type { Bundle } from '@medplum/fhirtypes';
import { httpPostText, outcomeText, retryAfter } from '@ipbro/http-client';
import { cutBatches, transactionBundle, type PlannedEntry, type TransactionPlan } from './transaction-plan';
import { capabilityLimit, refusedAsTooLarge, transactionSizes, type TransactionSizes } from './transaction-size';

/** A transaction-response may echo every resource (Medplum does): room for a 20 MB epikrise twice over. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export interface TransactionOptions {
  /** The message id: X-Request-Id on every request, so the recipient can correlate. */
  messageId: string;
  timeoutMs: number;
  token?: string;
  /** Where learned transaction sizes are kept (default: this process's, shared by every delivery). */
  sizes?: TransactionSizes;
}

/** What a fhir-rest delivery came to, in the words of the delivery classification. */
export type RestDeliveryOutcome =
  /** Every transaction answered and every entry 2xx: fullUrl → the server's `Type/id`. */
  | { kind: 'written'; locations: Map<string, string>; transactions: number }
  | { kind: 'transient'; reason: string; retryAfterMs?: number }
  | { kind: 'rejected'; reason: string };

export type HttpResult =
  { status: number; body: unknown; headers: Record<string, unknown> } | { error: { code?: string; message: string } };

/** POST one transaction Bundle to `{fhirBase}`; never throws. */
export function postTransaction(fhirBase: string, bundle: Bundle, options: TransactionOptions): Promise<HttpResult> {
  return httpPost(fhirBase, JSON.stringify(bundle), 'application/fhir+json', options);
}

/** POST a body to a URL; never throws: a network error or timeout comes back as `{ error }`. */
export async function httpPost(
  target: string,
  body: string | Buffer,
  contentType: string,
  options: TransactionOptions
): Promise<HttpResult> {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return { error: { code: 'EINVALIDURL', message: `not a URL: ${target}` } };
  }
  // httpPostText refuses any other scheme than http(s).
  const r = await httpPostText(url, body, {
    headers: {
      'Content-Type': contentType,
      Accept: 'application/fhir+json',
      'X-Request-Id': options.messageId,
      // Servers that honour it answer without echoing every resource back.
      Prefer: 'return=minimal',
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
    },
    timeoutMs: options.timeoutMs,
    maxResponseBytes: MAX_RESPONSE_BYTES,
  });
  if ('error' in r) return r;
  // An answer past the limit is not read at all; JSON is read whatever the content type says.
  let parsed: unknown = r.text;
  if (r.truncated) parsed = undefined;
  else if (r.text) {
    try {
      parsed = JSON.parse(r.text);
    } catch {
      parsed = r.text;
    }
  }
  return { status: r.status, body: parsed, headers: r.headers };
}

/**
 * What one transaction's answer means. 2xx with a transaction-response whose every entry is 2xx:
 * written (with each entry's location). Any failed entry fails the whole delivery (a server may
 * answer a transaction it only half applied, and a retry of conditional writes is harmless):
 * transient for a 5xx/429/408 entry, rejected otherwise. HTTP 5xx, 408, 429 and network errors are
 * transient; other 4xx are rejected.
 */
export function classifyTransaction(
  result: HttpResult,
  sent: Bundle
): { kind: 'written'; locations: Map<string, string> } | Exclude<RestDeliveryOutcome, { kind: 'written' }> {
  if ('error' in result)
    return { kind: 'transient', reason: `${result.error.code ?? 'network error'}: ${result.error.message}` };
  const { status, body, headers } = result;
  const text = outcomeText(body);
  if (status === 408 || status === 429 || status >= 500) {
    const after = retryAfter(headers);
    return {
      kind: 'transient',
      reason: `HTTP ${status}${text ? `: ${text}` : ''}`,
      ...(after !== undefined ? { retryAfterMs: after } : {}),
    };
  }
  if (status < 200 || status >= 300) return { kind: 'rejected', reason: `HTTP ${status}${text ? `: ${text}` : ''}` };
  const response = body as Bundle | undefined;
  if (response?.resourceType !== 'Bundle' || response.type !== 'transaction-response')
    return { kind: 'transient', reason: `HTTP ${status} without a transaction-response` };
  const got = response.entry ?? [];
  const want = sent.entry ?? [];
  if (got.length !== want.length)
    return { kind: 'transient', reason: `the transaction-response has ${got.length} entries for ${want.length} sent` };
  const locations = new Map<string, string>();
  for (let i = 0; i < got.length; i++) {
    const entryStatus = Number(String(got[i].response?.status ?? '').match(/^\d{3}/)?.[0] ?? 0);
    const what = `${want[i].request?.method} ${decodeURIComponent(want[i].request?.url ?? '')}`;
    if (entryStatus < 200 || entryStatus >= 300) {
      const outcome = outcomeText(got[i].response?.outcome);
      const reason = `entry ${i + 1} (${what}) failed: ${got[i].response?.status ?? 'no status'}${outcome ? `: ${outcome}` : ''}`;
      return entryStatus >= 500 || entryStatus === 429 || entryStatus === 408 || entryStatus === 0
        ? { kind: 'transient', reason }
        : { kind: 'rejected', reason };
    }
    const location =
      got[i].response?.location ??
      (got[i].resource?.id ? `${got[i].resource?.resourceType}/${got[i].resource?.id}` : undefined);
    // `Type/id` (a location may carry the base and a _history suffix).
    const typed = location?.match(/([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/)?.[1];
    if (typed && want[i].fullUrl) locations.set(want[i].fullUrl as string, typed);
  }
  return { kind: 'written', locations };
}

/**
 * Posts the plan's transactions in order, each with references to resources the earlier ones wrote
 * rewritten to the server's ids. Stops at the first that fails: the retry posts them all again,
 * which the conditional writes make harmless.
 * A plan without the directory's limit is cut to the size the server has been learned to take; when
 * the server refuses a transaction as too large (413, or an OperationOutcome saying so), the rest is
 * cut smaller (what its CapabilityStatement tells, else half) and posted on in the same attempt,
 * and the size is remembered for the server. With the directory's limit, a refusal is a refusal.
 */
export async function deliverTransactions(
  fhirBase: string,
  plan: TransactionPlan,
  options: TransactionOptions
): Promise<RestDeliveryOutcome> {
  const sizes = options.sizes ?? transactionSizes;
  const learning = plan.maxEntries === undefined;
  const known = learning ? sizes.limitFor(fhirBase) : undefined;
  let batches = known ? cutBatches(plan.batches.flat(), known) : plan.batches;
  const written = new Map<string, string>();
  for (let i = 0; i < batches.length; i++) {
    const bundle = transactionBundle(batches[i], written);
    const result = await postTransaction(fhirBase, bundle, options);
    if (learning && batches[i].length > 1 && refusedAsTooLarge(result)) {
      // Refused before anything of it was written: cut what is left smaller, in the same order.
      const size = await sizes.learn(fhirBase, batches[i].length, () => capabilityLimit(fhirBase, options));
      batches = [...batches.slice(0, i), ...cutBatches(batches.slice(i).flat(), size)];
      i--;
      continue;
    }
    const outcome = classifyTransaction(result, bundle);
    if (outcome.kind !== 'written') {
      const where = batches.length > 1 ? `transaction ${i + 1} of ${batches.length}: ` : '';
      return { ...outcome, reason: `${where}${outcome.reason}` };
    }
    for (const [k, v] of outcome.locations) written.set(k, v);
    // A server that answered without a location (Prefer: return=minimal taken strictly): later
    // transactions name the resource by a conditional reference, which FHIR servers resolve in a transaction.
    for (const e of batches[i]) if (!written.has(e.fullUrl)) written.set(e.fullUrl, conditionalReference(e));
  }
  return { kind: 'written', locations: written, transactions: batches.length };
}

/** `Type?identifier=system|value`: the planned entry's own conditional search, as a reference. */
function conditionalReference(e: PlannedEntry): string {
  const search = e.request.ifNoneExist ?? e.request.url.slice(e.request.url.indexOf('?') + 1);
  return `${e.resource.resourceType}?${search}`;
}
