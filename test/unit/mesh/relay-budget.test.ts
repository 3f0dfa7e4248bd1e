import fc from 'fast-check';
import { RelayBudget } from '../../../src/adapters/mesh/relay-budget';

describe('RelayBudget (SDP bytes per pair of members)', () => {
  it('gives each ordered pair its own burst, refills with time, and forgets members and rooms', () => {
    let now = 0;
    const budget = new RelayBudget(100, 10, () => now);
    expect(budget.take('r', 'a', 'b', 80)).toBe(true);
    expect(budget.take('r', 'a', 'b', 30)).toBe(false);
    // Another recipient, or the other direction, is another budget.
    expect(budget.take('r', 'a', 'c', 100)).toBe(true);
    expect(budget.take('r', 'b', 'a', 100)).toBe(true);
    now = 1_000; // +10 bytes
    expect(budget.take('r', 'a', 'b', 30)).toBe(true);
    expect(budget.take('r', 'a', 'b', 1)).toBe(false);
    budget.forgetMember('r', 'a');
    expect(budget.take('r', 'a', 'b', 100)).toBe(true); // a fresh budget after leaving and rejoining
    expect(budget.take('r', 'c', 'a', 100)).toBe(true);
    budget.forgetMember('r', 'a'); // the pairs towards it go too
    expect(budget.take('r', 'c', 'a', 100)).toBe(true);
    budget.forgetMember('r', 'a');
    budget.forgetMember('r', 'b');
    expect(budget.roomCount).toBe(0);
    budget.take('s', 'x', 'y', 1);
    budget.forgetRoom('s');
    expect(budget.roomCount).toBe(0);
  });
});

describe('RelayBudget, one whole number per pair', () => {
  /** The token bucket it replaced, as it was: `{tokens, at}` per pair, refilled on each take. */
  class ReferenceBuckets {
    private readonly buckets = new Map<string, { tokens: number; at: number }>();
    constructor(
      private readonly burst: number,
      private readonly perSecond: number,
    ) {}
    take(key: string, bytes: number, at: number): boolean {
      const bucket = this.buckets.get(key) ?? { tokens: this.burst, at };
      this.buckets.set(key, bucket);
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((at - bucket.at) / 1000) * this.perSecond);
      bucket.at = at;
      if (bucket.tokens < bytes) return false;
      bucket.tokens -= bytes;
      return true;
    }
  }

  it('takes and refuses exactly as a token bucket per pair does (refill rates of whole milliseconds per byte)', () => {
    const step = fc.record({ wait: fc.integer({ min: 0, max: 3_000 }), from: fc.constantFrom('a', 'b'), to: fc.constantFrom('b', 'c'), bytes: fc.integer({ min: 0, max: 120 }) });
    fc.assert(
      fc.property(fc.constantFrom(10, 100, 500, 1000), fc.integer({ min: 1, max: 200 }), fc.array(step, { maxLength: 40 }), (perSecond, burst, steps) => {
        let now = 1_700_000_000_000;
        const budget = new RelayBudget(burst, perSecond, () => now);
        const reference = new ReferenceBuckets(burst, perSecond);
        for (const s of steps) {
          now += s.wait;
          expect(budget.take('r', s.from, s.to, s.bytes)).toBe(reference.take(`${s.from}>${s.to}`, s.bytes, now));
        }
      }),
    );
  });
});
