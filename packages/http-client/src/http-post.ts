import type { IncomingHttpHeaders } from 'node:http';
import { Agent, type Dispatcher } from 'undici';

export interface HttpPostOptions {
  headers: Record<string, string>;
  timeoutMs: number;
  /** Response bytes kept; past it the text is cut and `truncated` set. */
  maxResponseBytes: number;
}

/** What came back, before any reading of it; or why nothing did. */
export type HttpTextResult =
  | { status: number; text: string; truncated: boolean; headers: Record<string, unknown> }
  | { error: { code?: string; message: string } };

/** Bodies above this get time for their upload on top of the timeout, at UPLOAD_BYTES_PER_MS (1 MB/s, 8 Mbit/s). */
const UPLOAD_ALLOWANCE_ABOVE = 64 * 1024;
const UPLOAD_BYTES_PER_MS = 1000;

/**
 * Keep-alive connection pools for every outbound POST of this process (messages, transactions,
 * uploads), one dispatcher per timeout: undici sets the connect timeout per dispatcher, not per
 * request, and a process uses one or two timeouts.
 */
const dispatchers = new Map<number, Agent>();
function dispatcherFor(timeoutMs: number): Agent {
  let agent = dispatchers.get(timeoutMs);
  if (!agent) {
    agent = new Agent({ connections: 64, connect: { timeout: timeoutMs } });
    dispatchers.set(timeoutMs, agent);
  }
  return agent;
}

/**
 * POST a body to an http(s) URL with undici (Node's own HTTP/1.1 client library, the engine of its
 * fetch), through its dispatch interface: the answer is gathered as it arrives, without the stream
 * objects of node:http's ClientRequest or undici's request(), which cost more CPU on the hot path.
 * Never throws: no answer within `timeoutMs` of the start, or a pause of `timeoutMs` in the answer
 * (ETIMEDOUT, on a timer of Node's own: undici's timeouts are kept to about a second), a network
 * error or a bad URL comes back as `{ error }`. undici hands the whole body to the socket at once,
 * so the wait for the answer begins as the upload does: for a body over 64 kB the time to send it
 * is allowed for on top, at 1 MB/s (a 20 MB document waits up to 20 s more for its answer).
 */
export function httpPostText(url: URL, body: string | Buffer, options: HttpPostOptions): Promise<HttpTextResult> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return Promise.resolve({ error: { code: 'EINVALIDURL', message: `not an http(s) URL: ${url.href}` } });
  return new Promise((resolve) => {
    const exchange = new PostExchange(options, body.length, resolve);
    try {
      dispatcherFor(options.timeoutMs).dispatch(
        {
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          headers: options.headers,
          body,
          headersTimeout: 0,
          bodyTimeout: 0,
        },
        exchange
      );
    } catch (err) {
      // A request undici refuses outright (a header it cannot send, say).
      exchange.onResponseError(undefined, err as Error);
    }
  });
}

/** One POST's answer as undici hands it over (a DispatchHandler), and its timer. */
class PostExchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private timer: NodeJS.Timeout;
  /** Time allowed for the upload, until the answer begins. */
  private readonly uploadMs: number;
  private settled = false;
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly options: HttpPostOptions,
    bodyLength: number,
    private readonly resolve: (r: HttpTextResult) => void
  ) {
    this.uploadMs = bodyLength > UPLOAD_ALLOWANCE_ABOVE ? Math.ceil(bodyLength / UPLOAD_BYTES_PER_MS) : 0;
    this.timer = setTimeout(() => this.timeOut(), options.timeoutMs + this.uploadMs);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // Timed out while waiting for a connection: the request never leaves.
    if (this.settled) controller.abort(new Error('timed out before it was sent'));
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.status = statusCode;
    this.headers = headers;
    if (this.uploadMs === 0) this.timer.refresh();
    else {
      // The upload is over: pauses in the answer get the plain timeout.
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.timeOut(), this.options.timeoutMs);
    }
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    // Read to the end (the connection goes back to the pool), keeping at most maxResponseBytes.
    this.size += chunk.length;
    if (this.size <= this.options.maxResponseBytes) this.chunks.push(chunk);
    this.timer.refresh();
  }

  onResponseEnd(): void {
    this.settle({
      status: this.status,
      text: Buffer.concat(this.chunks).toString('utf8'),
      truncated: this.size > this.options.maxResponseBytes,
      headers: this.headers,
    });
  }

  onResponseError(_c: Dispatcher.DispatchController | undefined, err: Error): void {
    this.settle({ error: failure(err as UndiciFailure, this.options.timeoutMs) });
  }

  private timeOut(): void {
    this.settle({ error: { code: 'ETIMEDOUT', message: `timeout of ${this.options.timeoutMs}ms exceeded` } });
    this.controller?.abort(new Error(`timeout of ${this.options.timeoutMs}ms exceeded`));
  }

  private settle(result: HttpTextResult): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.resolve(result);
  }
}

type UndiciFailure = Error & { code?: string; cause?: { code?: string; message?: string } };

/** undici's error as the classification and the ops views know it: the system's code where there is one. */
function failure(err: UndiciFailure, timeoutMs: number): { code?: string; message: string } {
  if (err.code === 'UND_ERR_CONNECT_TIMEOUT')
    return { code: 'ETIMEDOUT', message: `timeout of ${timeoutMs}ms exceeded (connecting)` };
  // A refused or unresolvable connection is the system's error (ECONNREFUSED, ENOTFOUND), sometimes as the cause.
  const code = err.cause?.code ?? err.code;
  // The other side closing before the answer is undici's SocketError; node:http called it a reset.
  if (code === 'UND_ERR_SOCKET') return { code: 'ECONNRESET', message: err.message };
  return { ...(code ? { code } : {}), message: err.cause?.message ?? err.message };
}
