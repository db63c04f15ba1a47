import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { validate } from './validate';
import { NOW } from './test-support/fixtures';
import { lawAcceptances, lawRefusals } from './test-support/law-cases';

// Issue 22's messages through validate(): the same cases the gateway and `ipbro validate` are tested with.
const errorsOf = (b: unknown): OperationOutcomeIssue[] =>
  (validate(b, { now: NOW }).issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal');

describe('refused, naming the element', () => {
  test.each(lawRefusals().map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const errors = errorsOf(c.bundle);
    expect(errors.map((e) => ({ d: e.diagnostics, e: e.expression }))).toEqual(
      expect.arrayContaining([
        { d: expect.stringMatching(c.refusal!.diagnostics), e: expect.arrayContaining([c.refusal!.expression]) },
      ])
    );
  });
});

describe('accepted', () => {
  test.each(lawAcceptances().map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(errorsOf(c.bundle)).toEqual([]);
  });
});
