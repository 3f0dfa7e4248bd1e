import type { Counter } from 'prom-client';

/**
 * Counts by one label's value in plain numbers and adds them to a prom-client counter when the counter is
 * collected (a scrape, or any read of it). prom-client hashes the label set on every inc(), even through
 * a cached child, and client traffic is counted twice per relayed message.
 */
export class LabelTally {
  /** A box per label value, kept across scrapes: counting is one map lookup and an addition. */
  private readonly pending = new Map<string, { n: number }>();

  count(value: string): void {
    const box = this.pending.get(value);
    if (box) box.n += 1;
    else this.pending.set(value, { n: 1 });
  }

  /** Moves what was counted since the last call into `counter`; from the counter's collect(). */
  flushInto(counter: Counter<string>): void {
    for (const [value, box] of this.pending) {
      if (box.n === 0) continue;
      counter.labels(value).inc(box.n);
      box.n = 0;
    }
  }
}
