import {
  badRequest,
  notFound,
  OutcomeError,
  payloadTooLarge,
  toOutcomeError,
  unsupportedMediaType,
} from '@ipbro/outcome';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from './logger';
import { closeLeavingBodyUnread, leavesBodyUnread } from './early-answer';

/**
 * Writes a FHIR JSON answer straight to the response: express' send() (content negotiation, ETag,
 * freshness) costs more than the rest of a small answer on the gateway's hot path.
 */
export function sendOutcome(res: Response, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/fhir+json; charset=utf-8');
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(res.req?.method === 'HEAD' ? undefined : text);
}

export function notFoundHandler(req: Request, _res: Response, next: NextFunction): void {
  next(notFound(`No route ${req.method} ${req.path}`));
}

/**
 * Errors that express or its body parsers raise for bad input (http-errors style: a `type` and/or
 * a 4xx `status`) become the matching OperationOutcome, never a 500.
 */
function fromHttpError(err: unknown): OutcomeError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { type?: unknown; status?: unknown; statusCode?: unknown; expose?: unknown; message?: unknown };
  switch (e.type) {
    case 'entity.too.large':
      return payloadTooLarge('The body is over the size limit');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return unsupportedMediaType("The body's encoding or charset is not supported; send UTF-8 JSON uncompressed");
    case 'entity.parse.failed':
    case 'entity.verify.failed':
    case 'request.aborted':
    case 'request.size.invalid':
      return badRequest('The body could not be parsed');
  }
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (status !== undefined && status >= 400 && status < 500) {
    // e.g. a malformed %-escape in a path parameter: express marks it 400.
    const said = e.expose === true && typeof e.message === 'string' ? e.message : 'The request is malformed';
    return new OutcomeError(status, [
      {
        severity: 'error',
        code: status === 413 ? 'too-costly' : status === 415 ? 'not-supported' : 'invalid',
        diagnostics: said,
      },
    ]);
  }
  return undefined;
}

/** OutcomeError → its status and OperationOutcome; anything else → 500 without internals, logged. */
export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    let outcomeError = err instanceof OutcomeError ? err : fromHttpError(err);
    if (!outcomeError) {
      logger.error({ err, requestId: res.locals.requestId, method: req.method, path: req.path }, 'unhandled error');
      outcomeError = toOutcomeError(err);
    }
    if (res.headersSent) {
      // Too late for an outcome: cut the connection so the client sees a broken answer, not a short one.
      req.socket.destroy();
      return;
    }
    const headers: Record<string, string> = {};
    if (outcomeError.status === 401) headers['WWW-Authenticate'] = 'Bearer';
    // A 503 is a pause (Redis away, a failover, replicas behind): the sender should try again soon.
    if (outcomeError.status === 503 && !res.getHeader('Retry-After')) headers['Retry-After'] = '1';
    if (leavesBodyUnread(req)) {
      headers.Connection = 'close';
      closeLeavingBodyUnread(req);
    }
    sendOutcome(res, outcomeError.status, outcomeError.outcome, headers);
  };
}
