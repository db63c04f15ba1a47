import { type OutcomeError } from '@ipbro/outcome';
import { parseBehaviour } from './behaviour';

test('modes, sequences and text read as one behaviour', () => {
  expect(parseBehaviour({ mode: 'ok' })).toEqual({ sequence: ['ok'] });
  expect(parseBehaviour({ mode: 'later', laterMs: 200 })).toEqual({ sequence: ['later'], laterMs: 200 });
  expect(parseBehaviour({ mode: 'fail', sequence: ['503', '503', '503', 'ok'] })).toEqual({
    sequence: ['503', '503', '503', 'ok'],
  });
  expect(parseBehaviour({ sequence: 'timeout,ok', holdMs: 1500 })).toEqual({
    sequence: ['timeout', 'ok'],
    holdMs: 1500,
  });
  expect(parseBehaviour('transient-error, fatal-error')).toEqual({ sequence: ['transient-error', 'fatal-error'] });
});

test('a wrong behaviour is a 400 that names the element', () => {
  const fails = (input: unknown): OutcomeError => {
    try {
      parseBehaviour(input);
    } catch (err) {
      return err as OutcomeError;
    }
    throw new Error('accepted');
  };
  const at = (expression: string) => ({
    status: 400,
    outcome: { issue: [{ severity: 'error', expression: [expression] }] },
  });
  expect(fails({ sequence: ['503', 'maybe'] })).toMatchObject(at('sequence[1]'));
  expect(fails({ mode: 'fail' })).toMatchObject(at('sequence'));
  expect(fails({ mode: 'sometimes' })).toMatchObject(at('mode'));
  expect(fails({ sequence: [] })).toMatchObject(at('sequence'));
  expect(fails({ sequence: ['ok'], laterMs: -1 })).toMatchObject(at('laterMs'));
  expect(fails([1, 2])).toMatchObject({ status: 400 });
});
