/**
 * Verified bearer tokens by their exact text, until they expire. Verifying an RS256 signature costs
 * far more than the rest of a small request; a client sends the same token for minutes. Only tokens
 * that passed every check are kept, keyed by the whole string (signature included), so a cached
 * entry can only ever be hit by the very token that was verified.
 */
export class VerifiedTokenCache<T> {
  private readonly entries = new Map<string, { value: T; untilMs: number }>();

  /** `max` bounds memory: past it the oldest entry goes (insertion order). */
  constructor(private readonly max = 10_000) {}

  get(token: string, nowMs = Date.now()): T | undefined {
    const hit = this.entries.get(token);
    if (!hit) return undefined;
    if (nowMs >= hit.untilMs) {
      this.entries.delete(token);
      return undefined;
    }
    return hit.value;
  }

  /** Keeps `value` until `untilMs` (the token's exp plus the accepted clock skew). */
  set(token: string, value: T, untilMs: number, nowMs = Date.now()): void {
    if (this.max <= 0 || untilMs <= nowMs) return;
    if (this.entries.size >= this.max && !this.entries.has(token)) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, { value, untilMs });
  }

  get size(): number {
    return this.entries.size;
  }
}
