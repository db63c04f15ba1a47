import { isoNow } from './iso-now';

afterEach(() => jest.useRealTimers());

test('isoNow is the ISO form of the clock, formatted again whenever the millisecond changes', () => {
  jest.useFakeTimers({ now: new Date('2026-12-01T03:00:00.000Z') });
  expect(isoNow()).toBe('2026-12-01T03:00:00.000Z');
  expect(isoNow()).toBe('2026-12-01T03:00:00.000Z');
  jest.setSystemTime(new Date('2026-12-01T03:00:00.001Z'));
  expect(isoNow()).toBe('2026-12-01T03:00:00.001Z');
  jest.setSystemTime(new Date('2027-01-01T00:00:00.000Z'));
  expect(isoNow()).toBe('2027-01-01T00:00:00.000Z');
  // A clock set back (NTP) is followed too: the cache is for the same millisecond only.
  jest.setSystemTime(new Date('2026-12-01T02:59:59.999Z'));
  expect(isoNow()).toBe('2026-12-01T02:59:59.999Z');
});

test('isoNow agrees with Date.toISOString on the real clock', () => {
  const before = Date.now();
  const stamp = Date.parse(isoNow());
  expect(stamp).toBeGreaterThanOrEqual(before);
  expect(stamp).toBeLessThanOrEqual(Date.now());
});
