import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import http from 'node:http';
import https from 'node:https';
import { transactionBundle, type PlannedEntry, type TransactionPlan } from './transaction-plan';

const agents = { 'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }), 'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }) };
/** A transaction-response may echo every resource (Medplum does): room for a 20 MB epikrise twice over. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export interface TransactionOptions {
  /** The message id: X-Request-Id on every request, so the recipient can correlate. */
  messageId: string;
  timeoutMs: number;
  token?: string;
}

/** What a fhir-rest delivery came to, in the words of the delivery classification. */
export type RestDeliveryOutcome =
  /** Every transaction answered and every entry 2xx: fullUrl → the server's `Type/id`. */
  | { kind: 'written'; locations: Map<string, string>; transactions: number }
  | { kind: 'transient'; reason: string; retryAfterMs?: number }
  | { kind: 'rejected'; reason: string };

export type HttpResult = { status: number; body: unknown; headers: Record<string, unknown> } | { error: { code?: string; message: string } };

/** POST one transaction Bundle to `{fhirBase}`; never throws. */
export function postTransaction(fhirBase: string, bundle: Bundle, options: TransactionOptions): Promise<HttpResult> {
  return httpPost(fhirBase, JSON.stringify(bundle), 'application/fhir+json', options);
}

/** POST a body to a URL; never throws: a network error or timeout comes back as `{ error }`. */
export function httpPost(target: string, body: string | Buffer, contentType: string, options: TransactionOptions): Promise<HttpResult> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return resolve({ error: { code: 'EINVALIDURL', message: `not a URL: ${target}` } });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return resolve({ error: { code: 'EINVALIDURL', message: `not an http(s) URL: ${target}` } });
    let settled = false;
    const done = (r: HttpResult) => {
      if (!settled) {
        settled = true;
        resolve(r);
      }
    };
    const req = (url.protocol === 'https:' ? https : http).request(
      url,
      {
        method: 'POST',
        agent: agents[url.protocol],
        headers: {
          'Content-Type': contentType,
          Accept: 'application/fhir+json',
          'Content-Length': Buffer.byteLength(body),
          'X-Request-Id': options.messageId,
          // Servers that honour it answer without echoing every resource back.
          Prefer: 'return=minimal',
          ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_RESPONSE_BYTES) chunks.push(c);
        });
        res.on('error', (err) => done({ error: { code: (err as NodeJS.ErrnoException).code, message: err.message } }));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          if (size > MAX_RESPONSE_BYTES) parsed = undefined;
          else if (text) {
            try {
              parsed = JSON.parse(text);
            } catch {
              parsed = text;
            }
          }
          done({ status: res.statusCode ?? 0, body: parsed, headers: res.headers as Record<string, unknown> });
        });
      }
    );
    req.setTimeout(options.timeoutMs, () => req.destroy(Object.assign(new Error(`timeout of ${options.timeoutMs}ms exceeded`), { code: 'ETIMEDOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => done({ error: { code: err.code, message: err.message } }));
    req.end(body);
  });
}

/**
 * The diagnostics of an OperationOutcome, joined. It becomes the reason in the ledger, the logs and
 * the ops views: a person number the server echoes (an 11-digit run) is masked and the text kept
 * short, as @ipbro/delivery does for fhir-message answers.
 */
export function outcomeText(o: unknown): string | undefined {
  const oo = o as OperationOutcome | undefined;
  if (oo?.resourceType !== 'OperationOutcome' || !oo.issue?.length) return undefined;
  const text = oo.issue.map((i) => i.diagnostics ?? i.details?.text ?? i.code).join('; ').replace(/(?<!\d)\d{6}\s?\d{5}(?!\d)/g, '[person number]');
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

export function retryAfter(headers: Record<string, unknown>): number | undefined {
  const v = headers['retry-after'];
  if (typeof v !== 'string') return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * What one transaction's answer means. 2xx with a transaction-response whose every entry is 2xx:
 * written (with each entry's location). Any failed entry fails the whole delivery (a server may
 * answer a transaction it only half applied, and a retry of conditional writes is harmless):
 * transient for a 5xx/429/408 entry, rejected otherwise. HTTP 5xx, 408, 429 and network errors are
 * transient; other 4xx are rejected.
 */
export function classifyTransaction(result: HttpResult, sent: Bundle): { kind: 'written'; locations: Map<string, string> } | Exclude<RestDeliveryOutcome, { kind: 'written' }> {
  if ('error' in result) return { kind: 'transient', reason: `${result.error.code ?? 'network error'}: ${result.error.message}` };
  const { status, body, headers } = result;
  const text = outcomeText(body);
  if (status === 408 || status === 429 || status >= 500) {
    const after = retryAfter(headers);
    return { kind: 'transient', reason: `HTTP ${status}${text ? `: ${text}` : ''}`, ...(after !== undefined ? { retryAfterMs: after } : {}) };
  }
  if (status < 200 || status >= 300) return { kind: 'rejected', reason: `HTTP ${status}${text ? `: ${text}` : ''}` };
  const response = body as Bundle | undefined;
  if (response?.resourceType !== 'Bundle' || response.type !== 'transaction-response') return { kind: 'transient', reason: `HTTP ${status} without a transaction-response` };
  const got = response.entry ?? [];
  const want = sent.entry ?? [];
  if (got.length !== want.length) return { kind: 'transient', reason: `the transaction-response has ${got.length} entries for ${want.length} sent` };
  const locations = new Map<string, string>();
  for (let i = 0; i < got.length; i++) {
    const entryStatus = Number(String(got[i].response?.status ?? '').match(/^\d{3}/)?.[0] ?? 0);
    const what = `${want[i].request?.method} ${decodeURIComponent(want[i].request?.url ?? '')}`;
    if (entryStatus < 200 || entryStatus >= 300) {
      const reason = `entry ${i + 1} (${what}) failed: ${got[i].response?.status ?? 'no status'}${outcomeText(got[i].response?.outcome) ? `: ${outcomeText(got[i].response?.outcome)}` : ''}`;
      return entryStatus >= 500 || entryStatus === 429 || entryStatus === 408 || entryStatus === 0 ? { kind: 'transient', reason } : { kind: 'rejected', reason };
    }
    const location = got[i].response?.location ?? (got[i].resource?.id ? `${got[i].resource?.resourceType}/${got[i].resource?.id}` : undefined);
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
 */
export async function deliverTransactions(fhirBase: string, plan: TransactionPlan, options: TransactionOptions): Promise<RestDeliveryOutcome> {
  const written = new Map<string, string>();
  for (let i = 0; i < plan.batches.length; i++) {
    const bundle = transactionBundle(plan.batches[i], written);
    const outcome = classifyTransaction(await postTransaction(fhirBase, bundle, options), bundle);
    if (outcome.kind !== 'written') {
      const where = plan.batches.length > 1 ? `transaction ${i + 1} of ${plan.batches.length}: ` : '';
      return { ...outcome, reason: `${where}${outcome.reason}` };
    }
    for (const [k, v] of outcome.locations) written.set(k, v);
    // A server that answered without a location (Prefer: return=minimal taken strictly): later
    // transactions name the resource by a conditional reference, which FHIR servers resolve in a transaction.
    for (const e of plan.batches[i]) if (!written.has(e.fullUrl)) written.set(e.fullUrl, conditionalReference(e));
  }
  return { kind: 'written', locations: written, transactions: plan.batches.length };
}

/** `Type?identifier=system|value`: the planned entry's own conditional search, as a reference. */
function conditionalReference(e: PlannedEntry): string {
  const search = e.request.ifNoneExist ?? e.request.url.slice(e.request.url.indexOf('?') + 1);
  return `${e.resource.resourceType}?${search}`;
}
