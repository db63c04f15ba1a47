import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

export type IssueSeverity = OperationOutcomeIssue['severity'];
export type IssueCode = OperationOutcomeIssue['code'];

/** One OperationOutcome issue; `expression` is a FHIRPath-style location such as `Bundle.entry[1].resource.status`. */
export function issue(
  severity: IssueSeverity,
  code: IssueCode,
  diagnostics: string,
  expression?: string | string[]
): OperationOutcomeIssue {
  const result: OperationOutcomeIssue = { severity, code, diagnostics };
  if (expression !== undefined) {
    result.expression = Array.isArray(expression) ? expression : [expression];
  }
  return result;
}

export function errorIssue(
  code: IssueCode,
  diagnostics: string,
  expression?: string | string[]
): OperationOutcomeIssue {
  return issue('error', code, diagnostics, expression);
}

export function operationOutcome(issues: OperationOutcomeIssue[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.length > 0 ? issues : [issue('information', 'informational', 'All OK')],
  };
}

/** An outcome that says something went well: `202 Accepted` and friends. */
export function informationOutcome(diagnostics: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [issue('information', 'informational', diagnostics)] };
}

export function isErrorIssue(i: OperationOutcomeIssue): boolean {
  return i.severity === 'error' || i.severity === 'fatal';
}

export function hasErrors(outcome: OperationOutcome | OperationOutcomeIssue[]): boolean {
  const issues = Array.isArray(outcome) ? outcome : (outcome.issue ?? []);
  return issues.some(isErrorIssue);
}
