import type { Counter } from 'prom-client';

/**
 * Counts by one label's value in plain numbers and adds them to a prom-client counter when the counter is
 * collected (a scrape, or any read of it). prom-client hashes the label set on every inc(), even through
 * a cached child, and client traffic is counted twice per relayed message.
 */
export class LabelTally {
  private readonly pending = new Map<string, number>();

  count(value: string): void {
    this.pending.set(value, (this.pending.get(value) ?? 0) + 1);
  }

  /** Moves what was counted since the last call into `counter`; from the counter's collect(). */
  flushInto(counter: Counter<string>): void {
    for (const [value, amount] of this.pending) counter.labels(value).inc(amount);
    this.pending.clear();
  }
}
