import { parseNow } from './now';

test('a date-time with a zone is read; anything else is not', () => {
  expect(parseNow('2026-11-24T12:00:00+01:00')?.toISOString()).toBe('2026-11-24T11:00:00.000Z');
  expect(parseNow('2027-01-31T23:59:59.5Z')?.toISOString()).toBe('2027-01-31T23:59:59.500Z');
  for (const bad of [
    '2026-11-24',
    '2026-11-24T12:00:00',
    'tomorrow',
    '2026-13-40T12:00:00Z',
    '',
    '2026-11-24T12:00:00+01:00 ',
  ]) {
    expect({ bad, at: parseNow(bad) }).toEqual({ bad, at: undefined });
  }
});
