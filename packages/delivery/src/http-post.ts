import http from 'node:http';
import https from 'node:https';

// Keep-alive agents for every outbound POST of this process (messages, transactions, uploads).
const agents = { 'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }), 'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }) };

export interface HttpPostOptions {
  headers: Record<string, string | number>;
  timeoutMs: number;
  /** Response bytes kept; past it the text is cut and `truncated` set. */
  maxResponseBytes: number;
}

/** What came back, before any reading of it; or why nothing did. */
export type HttpTextResult =
  | { status: number; text: string; truncated: boolean; headers: Record<string, unknown> }
  | { error: { code?: string; message: string } };

/**
 * POST a body to an http(s) URL with Node's own client (cheaper per request than axios on the hot
 * path, and nock intercepts it alike). Never throws: an idle socket for `timeoutMs` (connect, or
 * waiting for the answer), a network error or a bad URL comes back as `{ error }`.
 */
export function httpPostText(url: URL, body: string | Buffer, options: HttpPostOptions): Promise<HttpTextResult> {
  return new Promise((resolve) => {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      resolve({ error: { code: 'EINVALIDURL', message: `not an http(s) URL: ${url.href}` } });
      return;
    }
    let settled = false;
    const done = (r: HttpTextResult) => {
      if (!settled) {
        settled = true;
        resolve(r);
      }
    };
    const req = (url.protocol === 'https:' ? https : http).request(
      url,
      { method: 'POST', agent: agents[url.protocol], headers: { ...options.headers, 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= options.maxResponseBytes) chunks.push(c);
        });
        res.on('error', (err) => done({ error: { code: (err as NodeJS.ErrnoException).code, message: err.message } }));
        res.on('end', () => done({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), truncated: size > options.maxResponseBytes, headers: res.headers as Record<string, unknown> }));
      }
    );
    req.setTimeout(options.timeoutMs, () => {
      req.destroy(Object.assign(new Error(`timeout of ${options.timeoutMs}ms exceeded`), { code: 'ETIMEDOUT' }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => done({ error: { code: err.code, message: err.message } }));
    req.end(body);
  });
}
