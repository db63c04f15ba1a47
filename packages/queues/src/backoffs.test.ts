import { cappedExponentialDelay, deliveryAttemptsFor } from './backoffs';

test('doubles from the first delay and stops at the ceiling', () => {
  expect([1, 2, 3, 4, 5].map((n) => cappedExponentialDelay(n, 1000, 5000))).toEqual([1000, 2000, 4000, 5000, 5000]);
  expect(cappedExponentialDelay(1000, 1000, 3600000)).toBe(3600000);
});

test('the default keeps trying for at least 24 hours', () => {
  const attempts = deliveryAttemptsFor(1000, 3600000);
  let total = 0;
  for (let n = 1; n < attempts; n++) total += cappedExponentialDelay(n, 1000, 3600000);
  expect(total).toBeGreaterThanOrEqual(24 * 3600 * 1000);
  total -= cappedExponentialDelay(attempts - 1, 1000, 3600000);
  expect(total).toBeLessThan(24 * 3600 * 1000); // and not one attempt more than needed
  expect(attempts).toBe(36); // 1 + 12 doubling waits (1 s … 2048 s) + 23 waits of an hour
});
