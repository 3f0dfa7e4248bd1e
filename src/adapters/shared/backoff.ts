/**
 * Capped exponential back-off for the adapters that reconnect (Kurento, Janus, presence). The delay
 * doubles from `minMs` per failed attempt up to `maxMs`, with jitter so that several signaling nodes
 * that lost the same server do not come back in lockstep.
 */

const ceilingOf = (attempt: number, minMs: number, maxMs: number): number => Math.min(maxMs, minMs * 2 ** Math.min(Math.max(attempt, 0), 30));

/** Delay before reconnect attempt `attempt` (0-based), within ±20 % of the doubled delay, never above `maxMs`. */
export const reconnectDelay = (attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number => {
  const jittered = ceilingOf(attempt, minMs, maxMs) * (0.8 + random() * 0.4);
  return Math.max(1, Math.round(Math.min(maxMs, jittered)));
};

/**
 * The same curve with "equal jitter", counting failures itself: half the delay is fixed and half random,
 * so a fleet reconnecting after a server restart spreads out, yet no attempt comes immediately.
 */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const ceiling = ceilingOf(this.failures, this.baseMs, this.maxMs);
    this.failures += 1;
    return Math.round(ceiling / 2 + (ceiling / 2) * this.random());
  }

  reset(): void {
    this.failures = 0;
  }

  get attempts(): number {
    return this.failures;
  }
}
