import fc from 'fast-check';
import { TokenBucket, TokenRate } from '../../../src/adapters/shared/token-bucket';

/** The two-number bucket the one-number state replaced (issue 20): tokens and the time they were counted. */
class ReferenceBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst;
    this.last = now();
  }
  take(): boolean {
    const at = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((at - this.last) / 1000) * this.ratePerSecond);
    this.last = at;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

describe('TokenBucket', () => {
  it('allows a burst, then refills at the rate, never above the burst', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    now += 100; // one token at 10/s
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
    now += 60_000;
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
  });

  it('refuses nonsense settings', () => {
    expect(() => new TokenBucket(0, 1)).toThrow(RangeError);
    expect(() => new TokenBucket(1, 0)).toThrow(RangeError);
  });

  it('gives the same answers as a bucket counting tokens, whatever the rate, burst and timing', () => {
    // Times are whole milliseconds, as Date.now gives them; rates include the session defaults (50/s,
    // 1/s, 20 joins a minute) and rates whose token interval is not a whole number of milliseconds.
    fc.assert(
      fc.property(
        fc.constantFrom(50, 1, 20 / 60, 3, 7, 1000),
        fc.integer({ min: 1, max: 900 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 300 }),
        (rate, burst, waits) => {
          let now = 1_796_000_000_000;
          const clock = () => now;
          const bucket = new TokenBucket(rate, burst, clock);
          const reference = new ReferenceBucket(rate, burst, clock);
          for (const wait of waits) {
            now += wait;
            expect(bucket.take()).toBe(reference.take());
          }
        },
      ),
    );
  });

  it('gives a whole burst at one instant, at rates whose token interval is not a whole number of milliseconds', () => {
    const now = 1_796_000_000_123;
    for (const rate of [7, 0.7, 13, 20 / 60]) {
      for (const burst of [2, 25, 900]) {
        const bucket = new TokenBucket(rate, burst, () => now);
        let granted = 0;
        while (bucket.take()) granted += 1;
        expect({ rate, burst, granted }).toEqual({ rate, burst, granted: burst });
      }
    }
  });

  it('keeps its state in one number the owner holds: NaN when refused, the state unchanged', () => {
    let now = 1_000;
    const rate = new TokenRate(1, 2, () => now);
    const first = rate.take(TokenRate.FULL);
    const second = rate.take(first);
    expect(Number.isNaN(rate.take(second))).toBe(true);
    now += 1_000;
    expect(Number.isNaN(rate.take(second))).toBe(false);
  });
});
