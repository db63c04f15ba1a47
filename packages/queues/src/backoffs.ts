/**
 * Exponential backoff with a ceiling: first, 2×first, 4×first … never more than `ceilingMs`.
 * (BullMQ's built-in exponential has no ceiling, so a day-long retry horizon would wait days.)
 * `attemptsMade` is BullMQ's count including the attempt that just failed: 1 after the first failure.
 */
export function cappedExponentialDelay(attemptsMade: number, firstDelayMs: number, ceilingMs: number): number {
  const exponent = Math.max(0, attemptsMade - 1);
  return Math.min(ceilingMs, firstDelayMs * 2 ** Math.min(exponent, 40));
}

/**
 * How many attempts (the first included) keep a message trying for at least `horizonMs` (default
 * 24 h) with that backoff: the last attempt starts no earlier than `horizonMs` after the first.
 */
export function deliveryAttemptsFor(firstDelayMs: number, ceilingMs: number, horizonMs = 24 * 60 * 60 * 1000): number {
  assertBackoff(firstDelayMs, ceilingMs);
  if (!(horizonMs >= 0)) throw new RangeError(`The retry horizon must be ≥ 0 ms (got ${horizonMs})`);
  let waited = 0;
  let attempts = 1;
  while (waited < horizonMs) {
    waited += cappedExponentialDelay(attempts, firstDelayMs, ceilingMs);
    attempts++;
  }
  return attempts;
}

/** A zero or negative delay would retry in a hot loop (and never reach a horizon). */
export function assertBackoff(firstDelayMs: number, ceilingMs: number): void {
  if (!(Number.isFinite(firstDelayMs) && firstDelayMs >= 1))
    throw new RangeError(`The first retry delay must be ≥ 1 ms (got ${firstDelayMs})`);
  if (!(Number.isFinite(ceilingMs) && ceilingMs >= firstDelayMs))
    throw new RangeError(`The retry delay ceiling (${ceilingMs} ms) must be ≥ the first delay (${firstDelayMs} ms)`);
}

/** The name jobs carry in `backoff.type`; the worker's `settings.backoffStrategy` computes it. */
export const BACKOFF_STRATEGY = 'capped-exponential';
