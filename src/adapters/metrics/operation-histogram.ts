import type { Registry } from 'prom-client';

export type Outcome = 'ok' | 'error';

/** A sample as prom-client's registry formats it. */
interface Sample {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly sharedLabels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly metricName: string;
}

/** One operation's tally for one outcome: counts per bucket (not cumulative), their sum and count. */
class Tally {
  readonly buckets: number[];
  sum = 0;
  count = 0;

  constructor(size: number) {
    this.buckets = new Array<number>(size + 1).fill(0);
  }
}

/**
 * A histogram of call durations labelled by operation and outcome, exported in the same text as a
 * prom-client Histogram with those labels (test/unit/metrics/operation-histogram.test.ts compares them).
 * Written here rather than used from prom-client because its observe() validates and hashes the label
 * set on every call, even through a cached child: the media call timer runs for every relayed candidate,
 * and on the realistic relay benchmark that was about 1.5 µs of the ~24 µs of server CPU per message.
 * Here an observation is a bucket search and three additions; the work of exporting is done at scrape.
 */
export class OperationHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly tallies = new Map<string, { readonly ok: Tally; readonly error: Tally }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly upperBounds: readonly number[],
    registers: readonly Registry[],
  ) {
    for (const registry of registers) registry.registerMetric(this as never);
  }

  /** The two tallies of an operation, to keep at the call site: observing then costs no lookup. */
  tallyOf(operation: string): { readonly ok: Tally; readonly error: Tally } {
    let tally = this.tallies.get(operation);
    if (!tally) {
      tally = { ok: new Tally(this.upperBounds.length), error: new Tally(this.upperBounds.length) };
      this.tallies.set(operation, tally);
    }
    return tally;
  }

  observe(tally: Tally, seconds: number): void {
    const bounds = this.upperBounds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i++;
    tally.buckets[i]! += 1;
    tally.sum += seconds;
    tally.count += 1;
  }

  /** Count of observations of one operation and outcome (for tests and readers in the process). */
  countOf(operation: string, outcome: Outcome): number {
    return this.tallies.get(operation)?.[outcome].count ?? 0;
  }

  /** What prom-client's registry reads at a scrape; values in prom-client's order for a Histogram. */
  async get(): Promise<{ name: string; help: string; type: 'histogram'; values: Sample[]; aggregator: 'sum' }> {
    const values: Sample[] = [];
    for (const [operation, byOutcome] of this.tallies) {
      for (const outcome of ['ok', 'error'] as const) {
        const tally = byOutcome[outcome];
        // prom-client lists a labelled child only once it was observed.
        if (tally.count === 0) continue;
        const labels = { operation, outcome };
        let cumulative = 0;
        this.upperBounds.forEach((le, i) => {
          cumulative += tally.buckets[i]!;
          values.push({ labels: { le }, sharedLabels: labels, value: cumulative, metricName: `${this.name}_bucket` });
        });
        values.push({ labels: { le: '+Inf' }, sharedLabels: labels, value: tally.count, metricName: `${this.name}_bucket` });
        values.push({ labels: {}, sharedLabels: labels, value: tally.sum, metricName: `${this.name}_sum` });
        values.push({ labels: {}, sharedLabels: labels, value: tally.count, metricName: `${this.name}_count` });
      }
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.tallies.clear();
  }
}
