/**
 * The outcome of checking one identifier: ok (with what was learnt from it), or the rule that
 * failed as a stable code (`length`, `digits`, `check-digit-1` …) and an English message.
 */
// `{}` is the neutral default: `{ ok: true } & {}` reads as `{ ok: true }`.
export type IdentifierResult<T extends object = Record<never, never>> =
  ({ ok: true } & T) | { ok: false; rule: string; message: string };

/** The failed result of a check. */
export function fail(rule: string, message: string): { ok: false; rule: string; message: string } {
  return { ok: false, rule, message };
}
