import { notFound, OutcomeError, toOutcomeError } from '@ipbro/outcome';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from './logger';

export function sendOutcome(res: Response, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.status(status).set({ 'Content-Type': 'application/fhir+json', ...headers }).send(JSON.stringify(body));
}

export function notFoundHandler(req: Request, _res: Response, next: NextFunction): void {
  next(notFound(`No route ${req.method} ${req.path}`));
}

/** OutcomeError → its status and OperationOutcome; anything else → 500 without internals, logged. */
export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const e = err as { type?: string; status?: number };
    let outcomeError: OutcomeError;
    if (err instanceof OutcomeError) outcomeError = err;
    else if (e?.type === 'entity.too.large') outcomeError = toOutcomeError(new OutcomeError(413, [{ severity: 'error', code: 'too-costly', diagnostics: 'The body is over the size limit' }]));
    else if (e?.type === 'entity.parse.failed' || e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') outcomeError = new OutcomeError(400, [{ severity: 'error', code: 'invalid', diagnostics: 'The body could not be parsed' }]);
    else {
      logger.error({ err, method: req.method, path: req.path }, 'unhandled error');
      outcomeError = toOutcomeError(err);
    }
    if (res.headersSent) return;
    const headers: Record<string, string> = {};
    if (outcomeError.status === 401) headers['WWW-Authenticate'] = 'Bearer';
    sendOutcome(res, outcomeError.status, outcomeError.outcome, headers);
  };
}
