/**
 * Lets a repeating warning through at most once per interval and says how many were held back, so a
 * presence server that stays down (or keeps replying garbage) cannot flood the log.
 */
export class LogThrottle {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Returns the number of suppressed repeats to report, or undefined when this one should be suppressed. */
  allow(key: string): number | undefined {
    const now = this.now();
    const seen = this.last.get(key);
    if (seen && now - seen.at < this.intervalMs) {
      seen.suppressed += 1;
      return undefined;
    }
    this.last.set(key, { at: now, suppressed: 0 });
    return seen?.suppressed ?? 0;
  }
}
