import { cappedExponentialDelay, deliveryAttemptsFor } from './backoffs';

test('doubles from the first delay and stops at the ceiling', () => {
  expect([1, 2, 3, 4, 5].map((n) => cappedExponentialDelay(n, 1000, 5000))).toEqual([1000, 2000, 4000, 5000, 5000]);
  expect(cappedExponentialDelay(1000, 1000, 3600000)).toBe(3600000);
});

/** The wait before attempt n+1 is cappedExponentialDelay(n): the sum of waits up to the last attempt. */
const span = (attempts: number, first: number, ceiling: number) => {
  let total = 0;
  for (let n = 1; n < attempts; n++) total += cappedExponentialDelay(n, first, ceiling);
  return total;
};

test('the default keeps trying for at least 24 hours, and not one attempt more than needed', () => {
  const day = 24 * 3600 * 1000;
  const attempts = deliveryAttemptsFor(1000, 3600000);
  expect(span(attempts, 1000, 3600000)).toBeGreaterThanOrEqual(day);
  expect(span(attempts - 1, 1000, 3600000)).toBeLessThan(day);
  expect(attempts).toBe(36); // 1 + 12 doubling waits (1 s … 2048 s) + 23 waits of an hour
});

test('other settings and horizons', () => {
  for (const [first, ceiling, horizon] of [
    [500, 60000, 3600000],
    [1000, 1000, 10000],
    [7, 13, 1000],
    [1000, 3600000, 0],
  ]) {
    const n = deliveryAttemptsFor(first, ceiling, horizon);
    expect(span(n, first, ceiling)).toBeGreaterThanOrEqual(horizon);
    if (n > 1) expect(span(n - 1, first, ceiling)).toBeLessThan(horizon);
  }
  expect(deliveryAttemptsFor(1000, 1000, 10000)).toBe(11); // ten waits of a second
  expect(deliveryAttemptsFor(1000, 3600000, 0)).toBe(1);
});

test('refuses settings that would retry in a hot loop or never end', () => {
  expect(() => deliveryAttemptsFor(0, 1000)).toThrow('first retry delay must be ≥ 1 ms');
  expect(() => deliveryAttemptsFor(1000, 500)).toThrow('ceiling (500 ms) must be ≥ the first delay (1000 ms)');
  expect(() => deliveryAttemptsFor(Number.NaN, 1000)).toThrow(RangeError);
});
