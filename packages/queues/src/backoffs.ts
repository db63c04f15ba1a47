/**
 * Exponential backoff with a ceiling: first, 2×first, 4×first … never more than `ceilingMs`.
 * (BullMQ's built-in exponential has no ceiling, so a day-long retry horizon would wait days.)
 */
export function cappedExponentialDelay(attemptsMade: number, firstDelayMs: number, ceilingMs: number): number {
  const exponent = Math.max(0, attemptsMade - 1);
  return Math.min(ceilingMs, firstDelayMs * 2 ** Math.min(exponent, 40));
}

/** How many attempts keep a message trying for at least `horizonMs` (default 24 h) with that backoff. */
export function deliveryAttemptsFor(firstDelayMs: number, ceilingMs: number, horizonMs = 24 * 60 * 60 * 1000): number {
  let waited = 0;
  let attempts = 1;
  while (waited < horizonMs) {
    waited += cappedExponentialDelay(attempts, firstDelayMs, ceilingMs);
    attempts++;
  }
  return attempts;
}

export const BACKOFF_STRATEGY = 'capped-exponential';
