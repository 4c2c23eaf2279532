/**
 * A token bucket: `ratePerSecond` tokens flow in, up to `burst`. Taking n tokens either succeeds
 * or says how long until they would be there. A take larger than the burst is granted from a full
 * bucket and leaves it in debt, so a big batch is slowed down, never refused for ever. Counted in
 * thousandths of a token per millisecond, so waiting exactly `retryAfterMs` is always enough.
 */
export class TokenBucket {
  private milliTokens: number;
  private updatedAt: number;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    now: number,
  ) {
    if (!(ratePerSecond > 0) || !(burst > 0))
      throw new RangeError('rate and burst must be positive');
    this.milliTokens = burst * 1000;
    this.updatedAt = now;
  }

  take(count: number, now: number): { granted: true } | { granted: false; retryAfterMs: number } {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`cannot take ${count} tokens`);
    this.refill(now);
    const needed = Math.min(count, this.burst) * 1000 - this.milliTokens;
    if (needed <= 0) {
      this.milliTokens -= count * 1000;
      return { granted: true };
    }
    return { granted: false, retryAfterMs: Math.ceil(needed / this.ratePerSecond) };
  }

  private refill(now: number): void {
    // A clock that steps back credits nothing, and the time is not credited twice when it returns.
    if (now <= this.updatedAt) return;
    this.milliTokens = Math.min(
      this.burst * 1000,
      this.milliTokens + (now - this.updatedAt) * this.ratePerSecond,
    );
    this.updatedAt = now;
  }
}
