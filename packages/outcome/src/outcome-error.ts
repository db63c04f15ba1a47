import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { errorIssue, issue, operationOutcome, type IssueCode } from './outcome';

/**
 * The one error type of IP-bro. Everything that refuses input throws this; the HTTP kit
 * answers `status` with `outcome` as body, so a sender always learns what and where.
 */
export class OutcomeError extends Error {
  readonly status: number;
  readonly outcome: OperationOutcome;

  constructor(status: number, outcome: OperationOutcome | OperationOutcomeIssue[]) {
    const resolved = Array.isArray(outcome) ? operationOutcome(outcome) : outcome;
    super(resolved.issue?.map((i) => i.diagnostics ?? i.code).join('; ') ?? 'error');
    this.name = 'OutcomeError';
    this.status = status;
    this.outcome = resolved;
  }
}

function single(status: number, code: IssueCode, diagnostics: string, expression?: string | string[]): OutcomeError {
  return new OutcomeError(status, [errorIssue(code, diagnostics, expression)]);
}

export const badRequest = (diagnostics: string, expression?: string | string[]): OutcomeError =>
  single(400, 'invalid', diagnostics, expression);
export const unauthorized = (diagnostics: string): OutcomeError => single(401, 'login', diagnostics);
export const forbidden = (diagnostics: string): OutcomeError => single(403, 'forbidden', diagnostics);
export const notFound = (diagnostics: string): OutcomeError => single(404, 'not-found', diagnostics);
export const payloadTooLarge = (diagnostics: string): OutcomeError => single(413, 'too-costly', diagnostics);
export const unsupportedMediaType = (diagnostics: string): OutcomeError => single(415, 'not-supported', diagnostics);
export const tooManyRequests = (diagnostics: string): OutcomeError => single(429, 'throttled', diagnostics);
export const serviceUnavailable = (diagnostics: string): OutcomeError => single(503, 'transient', diagnostics);
/** 422: well-formed FHIR that breaks a profile or a rule; the outcome lists every breach. */
export const unprocessable = (issues: OperationOutcomeIssue[]): OutcomeError => new OutcomeError(422, issues);

/** Wraps anything thrown into an OutcomeError; unknown errors become a 500 that does not leak internals. */
export function toOutcomeError(err: unknown): OutcomeError {
  if (err instanceof OutcomeError) {
    return err;
  }
  return new OutcomeError(500, [issue('fatal', 'exception', 'Internal error')]);
}
