/** One recipient's slots: sends in flight (their start times, oldest first), those waiting, and how long a send takes. */
interface RecipientLine {
  inFlight: number;
  started: number[];
  waiting: (() => void)[];
  /** Moving average of this recipient's send durations (ms); undefined until one ended. */
  meanMs?: number;
}

/** Weight of the newest send in the moving average: a recipient that slows down shows within a few answers. */
const MEAN_WEIGHT = 0.2;

/**
 * At most `perRecipient` requests in flight to each recipient (by endpoint) from this process; the
 * rest wait their turn, first come first served. A worker can then keep many deliveries going (the
 * Redis steps of some overlap the posts of others) without a kommune's koordinerende enhet getting
 * more parallel requests than it did before: a slow or just-recovered recipient sees `perRecipient`
 * per worker process (router or courier), whatever the worker's concurrency.
 * A delivery waiting here holds its worker slot (and its job lock, which BullMQ keeps renewing), as
 * one waiting on a slow answer does; `expectedWaitMs` tells a caller how long a new one would wait,
 * so that it can hand a long wait back to the queue instead (deferralIfBusy, DeliveryStepDeps.deferAfterMs).
 */
export class RecipientLimit {
  private readonly lines = new Map<string, RecipientLine>();

  constructor(
    readonly perRecipient: number,
    private readonly now: () => number = Date.now
  ) {
    if (!Number.isInteger(perRecipient) || perRecipient < 1)
      throw new RangeError(`perRecipient must be a whole number ≥ 1, got ${perRecipient}`);
  }

  /** Runs `send` once the recipient has a free slot, and frees it when `send` settles. */
  async run<T>(recipient: string, send: () => Promise<T>): Promise<T> {
    let line = this.lines.get(recipient);
    if (!line) this.lines.set(recipient, (line = { inFlight: 0, started: [], waiting: [] }));
    if (line.inFlight < this.perRecipient) line.inFlight++;
    else await new Promise<void>((resolve) => line.waiting.push(resolve));
    const started = this.now();
    line.started.push(started);
    try {
      return await send();
    } finally {
      this.release(recipient, line, started);
    }
  }

  /**
   * About how long a send to `recipient` started now would wait for a slot (ms): 0 while one is free;
   * else the rounds of `perRecipient` sends ahead of it (those waiting, and itself), each taking what
   * a send to it takes: its moving average, or the age of the oldest send in flight when that is
   * longer (a recipient that stopped answering has no recent durations to go by).
   */
  expectedWaitMs(recipient: string): number {
    const line = this.lines.get(recipient);
    if (!line || line.inFlight < this.perRecipient) return 0;
    const sendMs = Math.max(line.meanMs ?? 0, line.started.length ? this.now() - line.started[0] : 0);
    return Math.ceil((line.waiting.length + 1) / this.perRecipient) * sendMs;
  }

  /** Deliveries waiting for a slot, all recipients together (a gauge for ops). */
  waiting(): number {
    let count = 0;
    for (const line of this.lines.values()) count += line.waiting.length;
    return count;
  }

  /** Requests in flight to one recipient. */
  inFlightTo(recipient: string): number {
    return this.lines.get(recipient)?.inFlight ?? 0;
  }

  // The slot passes straight to the next in line (the count stays), so no newcomer can take it between.
  private release(recipient: string, line: RecipientLine, started: number): void {
    const tookMs = this.now() - started;
    line.meanMs = line.meanMs === undefined ? tookMs : line.meanMs + (tookMs - line.meanMs) * MEAN_WEIGHT;
    line.started.splice(line.started.indexOf(started), 1);
    const next = line.waiting.shift();
    if (next) {
      next();
      return;
    }
    // An idle recipient's line goes (recipients come and go with the directory); its next send starts afresh.
    if (--line.inFlight === 0) this.lines.delete(recipient);
  }
}
