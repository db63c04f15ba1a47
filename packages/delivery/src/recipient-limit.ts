/**
 * At most `perRecipient` requests in flight to each recipient (by endpoint) from this process; the
 * rest wait their turn, first come first served. A worker can then keep many deliveries going (the
 * Redis steps of some overlap the posts of others) without a kommune's koordinerende enhet getting
 * more parallel requests than it did before: a slow or just-recovered recipient sees `perRecipient`
 * per router process, whatever the worker's concurrency.
 * A delivery waiting here holds its worker slot (and its job lock, which BullMQ keeps renewing), as
 * one waiting on a slow answer does.
 */
export class RecipientLimit {
  private readonly inFlight = new Map<string, number>();
  private readonly queued = new Map<string, Array<() => void>>();

  constructor(readonly perRecipient: number) {
    if (!Number.isInteger(perRecipient) || perRecipient < 1) throw new RangeError(`perRecipient must be a whole number ≥ 1, got ${perRecipient}`);
  }

  /** Runs `send` once the recipient has a free slot, and frees it when `send` settles. */
  async run<T>(recipient: string, send: () => Promise<T>): Promise<T> {
    const busy = this.inFlight.get(recipient) ?? 0;
    if (busy < this.perRecipient) this.inFlight.set(recipient, busy + 1);
    else await this.waitFor(recipient);
    try {
      return await send();
    } finally {
      this.release(recipient);
    }
  }

  /** Deliveries waiting for a slot, all recipients together (a gauge for ops). */
  waiting(): number {
    let count = 0;
    for (const line of this.queued.values()) count += line.length;
    return count;
  }

  /** Requests in flight to one recipient. */
  inFlightTo(recipient: string): number {
    return this.inFlight.get(recipient) ?? 0;
  }

  private waitFor(recipient: string): Promise<void> {
    return new Promise((resolve) => {
      const line = this.queued.get(recipient);
      if (line) line.push(resolve);
      else this.queued.set(recipient, [resolve]);
    });
  }

  // The slot passes straight to the next in line (the count stays), so no newcomer can take it between.
  private release(recipient: string): void {
    const line = this.queued.get(recipient);
    const next = line?.shift();
    if (next) {
      if (line!.length === 0) this.queued.delete(recipient);
      next();
      return;
    }
    const busy = (this.inFlight.get(recipient) ?? 1) - 1;
    if (busy === 0) this.inFlight.delete(recipient);
    else this.inFlight.set(recipient, busy);
  }
}
