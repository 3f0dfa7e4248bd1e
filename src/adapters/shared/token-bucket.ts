/**
 * A token bucket's rule: `burst` tokens at most, refilled at `ratePerSecond`. Lets a client send in short
 * bursts (a join followed by an offer and a dozen candidates) while capping its sustained rate.
 *
 * A bucket's state is one number, the time its tokens would all be back (the generic cell rate algorithm,
 * equivalent to a bucket's token count and refill time; a property test holds it to the two-number
 * bucket). The rule is shared and the owner keeps the number: a connection has three buckets, and as
 * objects holding their count, time and rule they held about 300 bytes per participant (issue 20).
 */
export class TokenRate {
  /** Milliseconds one token takes to come back. */
  private readonly intervalMs: number;
  /** How far ahead of now the full-time may be while a token is left: `burst - 1` tokens' worth. */
  private readonly toleranceMs: number;
  /**
   * States count from here, not from 1970: summed near 1.8e12 ms, intervals that are not whole
   * milliseconds (7 per second) rounded up enough to refuse a burst's last token (a unit test shows it).
   */
  private readonly origin: number;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly now: () => number = () => Date.now(),
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) throw new RangeError(`token bucket needs rate > 0 and burst >= 1 (got ${ratePerSecond}, ${burst})`);
    this.intervalMs = 1000 / ratePerSecond;
    this.origin = now();
    // A microsecond of slack for what rounding is left (under 1e-3 ms for a burst of 900 a hundred days on).
    this.toleranceMs = (burst - 1) * this.intervalMs + 1e-3;
  }

  /** A full bucket's state, whatever the clock reads (a clock set back before `origin` included). */
  static readonly FULL = Number.NEGATIVE_INFINITY;

  /** Takes a token from the bucket in `state`: its next state, or NaN when it had none (state unchanged). */
  take(state: number): number {
    const now = this.now() - this.origin;
    const full = Math.max(state, now);
    return full - now > this.toleranceMs ? Number.NaN : full + this.intervalMs;
  }
}

/** A token bucket that keeps its own state (one per client address, say). */
export class TokenBucket {
  private state = TokenRate.FULL;
  private readonly rate: TokenRate;

  constructor(ratePerSecond: number, burst: number, now?: () => number) {
    this.rate = new TokenRate(ratePerSecond, burst, now);
  }

  /** Takes one token if there is one. */
  take(): boolean {
    const next = this.rate.take(this.state);
    if (Number.isNaN(next)) return false;
    this.state = next;
    return true;
  }
}
