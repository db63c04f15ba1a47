import { errorIssue, operationOutcome, type IssueCode } from '@ipbro/outcome';
import { maxHeaderSize, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** Requests that asked `Expect: 100-continue` and have not yet been told to send their body. */
const continueWithheld = new WeakSet<IncomingMessage>();

/**
 * What a service's HTTP server does beyond express: a client that asks `Expect: 100-continue` is told
 * to send its body only when a route starts reading it (so a refused request is never uploaded), and
 * a request Node's parser refuses (headers over its limit, not HTTP, too slow) gets an
 * OperationOutcome instead of Node's bare status line.
 */
export function guardHttpServer(server: Server): void {
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    continueWithheld.add(req);
    server.emit('request', req, res);
  });
  server.on('clientError', answerClientError);
}

/** Sends the `100 Continue` a request is waiting for, when guardHttpServer held it back. */
export function sendWithheldContinue(req: IncomingMessage, res: ServerResponse): void {
  if (!continueWithheld.delete(req)) return;
  res.writeContinue();
}

/** Whether the client still waits for `100 Continue` before it sends its body. */
export function isContinueWithheld(req: IncomingMessage): boolean {
  return continueWithheld.has(req);
}

function refusalOf(err: NodeJS.ErrnoException): [number, IssueCode, string] {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'too-long', `The request's headers are larger than the ${maxHeaderSize} bytes accepted`];
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return [413, 'too-costly', 'The chunk extensions of the body are too large'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'timeout', 'The request did not arrive in time'];
    default:
      return [400, 'structure', `The request is not valid HTTP/1.1 (${err.code ?? 'parse error'})`];
  }
}

function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  // Node keeps the response being written on the socket; once its head is out, an answer would corrupt it.
  const answering = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || answering?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, code, diagnostics] = refusalOf(err);
  const body = JSON.stringify(operationOutcome([errorIssue(code, diagnostics)]));
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
    'Content-Type: application/fhir+json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
  ].join('\r\n');
  socket.end(`${head}\r\n\r\n${body}`, () => socket.destroy());
}
