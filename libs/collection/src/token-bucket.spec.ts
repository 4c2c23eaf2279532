import fc from 'fast-check';
import { TokenBucket } from './token-bucket';

const START = 1_700_000_000_000;

/** A bucket that has just spent every token it had. */
function emptiedBucket(ratePerSecond: number, burst: number): TokenBucket {
  const bucket = new TokenBucket(ratePerSecond, burst, START);
  expect(bucket.take(burst, START)).toEqual({ granted: true });
  return bucket;
}

describe('TokenBucket', () => {
  describe('burst', () => {
    it('grants a new bucket its whole burst at once', () => {
      const bucket = new TokenBucket(1, 5, START);

      expect(bucket.take(5, START)).toEqual({ granted: true });
    });

    it('grants many small takes until the burst is spent', () => {
      const bucket = new TokenBucket(1, 3, START);

      const results = [1, 2, 3].map(() => bucket.take(1, START).granted);

      expect(results).toEqual([true, true, true]);
    });

    it('refuses a take once the burst is spent', () => {
      const bucket = emptiedBucket(1, 5);

      expect(bucket.take(1, START).granted).toBe(false);
    });

    it('never holds more than the burst however long it stays idle', () => {
      const bucket = new TokenBucket(10, 5, START);
      const anHourLater = START + 3_600_000;
      expect(bucket.take(5, anHourLater)).toEqual({ granted: true });

      expect(bucket.take(1, anHourLater).granted).toBe(false);
    });
  });

  describe('refill', () => {
    it('refills at the rate per second', () => {
      const bucket = emptiedBucket(10, 10);

      // 10 tokens a second: one token every 100 ms.
      expect(bucket.take(1, START + 100)).toEqual({ granted: true });
    });

    it('refills only what the elapsed time has earned', () => {
      const bucket = emptiedBucket(10, 10);
      expect(bucket.take(2, START + 200)).toEqual({ granted: true });

      expect(bucket.take(1, START + 200).granted).toBe(false);
    });

    it('refills fractions of a token that add up to a whole one', () => {
      const bucket = emptiedBucket(4, 4);
      // 4 tokens a second: a quarter token every 62.5 ms, so none is whole before 250 ms.
      expect(bucket.take(1, START + 125).granted).toBe(false);

      expect(bucket.take(1, START + 250)).toEqual({ granted: true });
    });

    it('spends nothing on a refused take', () => {
      const bucket = emptiedBucket(1, 5);
      expect(bucket.take(3, START + 1_000).granted).toBe(false);

      expect(bucket.take(1, START + 1_000)).toEqual({ granted: true });
    });

    it('refills nothing while the clock steps back', () => {
      const bucket = emptiedBucket(1, 5);

      expect(bucket.take(1, START - 10_000)).toEqual({ granted: false, retryAfterMs: 1_000 });
    });

    it('does not credit the same time twice when the clock steps back and forward again', () => {
      const bucket = emptiedBucket(1, 5);
      bucket.take(1, START - 5_000);

      // Back at START no time has passed since the bucket was emptied, so nothing has refilled.
      expect(bucket.take(1, START).granted).toBe(false);
    });
  });

  describe('retryAfterMs', () => {
    it('says how long until a refused take has its tokens', () => {
      const bucket = emptiedBucket(2, 4);

      // 3 tokens at 2 a second: 1.5 s.
      expect(bucket.take(3, START)).toEqual({ granted: false, retryAfterMs: 1_500 });
    });

    it('counts the tokens already refilled', () => {
      const bucket = emptiedBucket(2, 4);

      // 500 ms refilled one of the 3 tokens; the other 2 take another second.
      expect(bucket.take(3, START + 500)).toEqual({ granted: false, retryAfterMs: 1_000 });
    });

    it('grants a refused take retried exactly retryAfterMs later', () => {
      const bucket = emptiedBucket(3, 3);
      // 61 ms refilled 0.183 tokens; the other 2.817 at 3 a second take 939 ms, so at 1 s after
      // emptying the bucket is full again.
      expect(bucket.take(3, START + 61)).toEqual({ granted: false, retryAfterMs: 939 });

      expect(bucket.take(3, START + 1_000)).toEqual({ granted: true });
    });

    it('rounds up to a whole millisecond so a retry is never early', () => {
      const bucket = emptiedBucket(3, 3);

      // One token at 3 a second takes 333.3... ms.
      expect(bucket.take(1, START)).toEqual({ granted: false, retryAfterMs: 334 });
    });

    it('grants any refused take retried after retryAfterMs', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 10_000 }),
          fc.integer({ min: 1, max: 1_000 }),
          fc.integer({ min: 0, max: 2_000 }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          (ratePerSecond, burst, sinceEmpty, share) => {
            const bucket = emptiedBucket(ratePerSecond, burst);
            const count = Math.max(1, Math.round(share * burst));
            const now = START + sinceEmpty;
            const first = bucket.take(count, now);
            fc.pre(!first.granted);
            if (first.granted) return;

            expect(bucket.take(count, now + first.retryAfterMs)).toEqual({ granted: true });
          },
        ),
        { numRuns: 1_000 },
      );
    });

    it('still refuses a take retried one millisecond before retryAfterMs', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 500 }),
          fc.integer({ min: 1, max: 1_000 }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          (ratePerSecond, burst, share) => {
            const bucket = emptiedBucket(ratePerSecond, burst);
            const count = Math.max(1, Math.round(share * burst));
            const first = bucket.take(count, START);
            if (first.granted) throw new Error('an emptied bucket granted a take at once');

            expect(bucket.take(count, START + first.retryAfterMs - 1).granted).toBe(false);
          },
        ),
      );
    });
  });

  describe('takes larger than the burst', () => {
    it('grants a take larger than the burst from a full bucket', () => {
      const bucket = new TokenBucket(1, 5, START);

      expect(bucket.take(20, START)).toEqual({ granted: true });
    });

    it('refuses a take larger than the burst until the bucket is full', () => {
      const bucket = new TokenBucket(1, 5, START);
      bucket.take(2, START);

      // 2 tokens short of full at 1 a second.
      expect(bucket.take(20, START)).toEqual({ granted: false, retryAfterMs: 2_000 });
    });

    it('grants a take larger than the burst once the bucket has refilled to full', () => {
      const bucket = new TokenBucket(1, 5, START);
      bucket.take(2, START);

      expect(bucket.take(20, START + 2_000)).toEqual({ granted: true });
    });

    it('leaves the bucket in debt for the tokens beyond the burst', () => {
      const bucket = new TokenBucket(1, 5, START);
      bucket.take(20, START);

      // 15 tokens of debt, then 1 token for the next take: 16 s at 1 a second.
      expect(bucket.take(1, START)).toEqual({ granted: false, retryAfterMs: 16_000 });
    });

    it('pays the debt back at the rate before granting again', () => {
      const bucket = new TokenBucket(1, 5, START);
      bucket.take(20, START);
      expect(bucket.take(1, START + 15_999).granted).toBe(false);

      expect(bucket.take(1, START + 16_000)).toEqual({ granted: true });
    });
  });
});
