import { badRequest, hasErrors, informationOutcome, OutcomeError, toOutcomeError, unprocessable } from './index';
import { errorIssue, issue, operationOutcome } from './outcome';

describe('outcome', () => {
  test('an issue carries its expression as a list', () => {
    expect(errorIssue('value', 'bad check digit', 'Patient.identifier[0].value')).toEqual({
      severity: 'error',
      code: 'value',
      diagnostics: 'bad check digit',
      expression: ['Patient.identifier[0].value'],
    });
  });

  test('hasErrors sees error and fatal, not warnings', () => {
    expect(hasErrors(operationOutcome([issue('warning', 'value', 'w')]))).toBe(false);
    expect(hasErrors([issue('fatal', 'exception', 'x')])).toBe(true);
    expect(hasErrors(informationOutcome('ok'))).toBe(false);
  });

  test('OutcomeError keeps status and outcome; unknown errors hide their message', () => {
    const e = unprocessable([errorIssue('required', 'no consent', 'Bundle.entry')]);
    expect(e.status).toBe(422);
    expect(e.outcome.issue?.[0].expression).toEqual(['Bundle.entry']);
    expect(badRequest('not JSON').status).toBe(400);
    const wrapped = toOutcomeError(new Error('secret stack detail'));
    expect(wrapped).toBeInstanceOf(OutcomeError);
    expect(wrapped.status).toBe(500);
    expect(JSON.stringify(wrapped.outcome)).not.toContain('secret');
  });
});
