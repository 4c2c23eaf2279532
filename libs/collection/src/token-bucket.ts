/**
 * A token bucket: `ratePerSecond` tokens flow in, up to `burst`. Taking n tokens either succeeds
 * or says how long until they would be there. A take larger than the burst is granted from a full
 * bucket and leaves it in debt, so a big batch is slowed down, never refused for ever.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  take(count: number, now: number): { granted: true } | { granted: false; retryAfterMs: number } {
    this.refill(now);
    const needed = Math.min(count, this.burst) - this.tokens;
    if (needed <= 0) {
      this.tokens -= count;
      return { granted: true };
    }
    return { granted: false, retryAfterMs: Math.ceil((needed / this.ratePerSecond) * 1000) };
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.ratePerSecond);
    this.updatedAt = now;
  }
}
