/**
 * The bytes of request bodies one process holds at once (being read, parsed or handled). Reading and
 * parsing a large body holds memory and, at its end, the event loop: a bound on the bytes in flight
 * bounds both, whoever sends them.
 */
export class BodyBytesInFlight {
  private used = 0;

  constructor(readonly limit: number) {}

  /** Takes `bytes` of the budget; false (and nothing taken) when they do not fit. */
  reserve(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.used -= bytes;
  }

  get inUse(): number {
    return this.used;
  }
}
