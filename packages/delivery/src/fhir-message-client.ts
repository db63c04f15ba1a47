import type { Bundle, MessageHeader } from '@medplum/fhirtypes';
import http from 'node:http';
import https from 'node:https';
import type { DeliveryResult } from './delivery-outcome';

// Node's own http client on the hot path: per delivery it costs a fraction of axios' config merging
// and interceptors (measured in bench/router.bench.js), and nock intercepts it alike in unit tests.
const agents = { 'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }), 'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }) };
const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

/** Fills MessageHeader.destination with the recipient when the sender left it out. */
export function withDestination(bundle: Bundle, destination: { endpoint: string; name?: string }): Bundle {
  const header = bundle.entry?.[0]?.resource as MessageHeader | undefined;
  if (!header || header.resourceType !== 'MessageHeader' || header.destination?.length) return bundle;
  return { ...bundle, entry: [{ ...bundle.entry![0], resource: { ...header, destination: [{ endpoint: destination.endpoint, ...(destination.name ? { name: destination.name } : {}) }] } }, ...bundle.entry!.slice(1)] };
}

/**
 * POST {endpoint}/$process-message with the message. The message id travels as X-Request-Id too,
 * the same on every attempt, so a recipient can drop a duplicate. Never throws: a network error or
 * timeout comes back as `{ error }` for classifyDelivery.
 */
export function postMessage(endpoint: string, body: string, options: { messageId: string; timeoutMs: number; token?: string }): Promise<DeliveryResult> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(`${endpoint.replace(/\/$/, '')}/$process-message`);
    } catch {
      resolve({ error: { code: 'EINVALIDURL', message: `not a URL: ${endpoint}` } });
      return;
    }
    const client = url.protocol === 'https:' ? https : http;
    let settled = false;
    const done = (r: DeliveryResult) => {
      if (!settled) {
        settled = true;
        resolve(r);
      }
    };
    const req = client.request(
      url,
      {
        method: 'POST',
        agent: agents[url.protocol as 'http:' | 'https:'],
        headers: {
          'Content-Type': 'application/fhir+json',
          Accept: 'application/fhir+json',
          'Content-Length': Buffer.byteLength(body),
          'X-Request-Id': options.messageId,
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
          if (text && /json/.test(String(res.headers['content-type']))) {
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
    req.setTimeout(options.timeoutMs, () => {
      req.destroy(Object.assign(new Error(`timeout of ${options.timeoutMs}ms exceeded`), { code: 'ETIMEDOUT' }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => done({ error: { code: err.code, message: err.message } }));
    req.end(body);
  });
}
