/**
 * Timers a simulated peer has set and not yet run (late receipts, held answers), so that closing the
 * peer cancels them instead of leaving them to fire into a closed test.
 */
export class PendingTimers {
  private readonly timers = new Set<NodeJS.Timeout>();

  /** Runs `fn` in `ms`, unless cleared first. */
  later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  clear(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
