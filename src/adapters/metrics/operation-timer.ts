import type { OperationHistogram } from './operation-histogram';

type Tallies = ReturnType<OperationHistogram['tallyOf']>;

/**
 * Times calls into a histogram labelled by operation and outcome. Each operation's tallies are looked up
 * once and kept: media calls such as addIceCandidate sit on the relay's hot path.
 */
export class OperationTimer {
  private readonly tallies = new Map<string, Tallies>();

  constructor(private readonly histogram: OperationHistogram) {}

  time<T>(operation: string, work: () => Promise<T>): Promise<T> {
    return this.call(operation, work, undefined, []) as Promise<T>;
  }

  /**
   * `fn.apply(self, args)`, timed: what a timed port calls, without a closure per call. A function that
   * throws instead of returning a promise counts as an error and rejects.
   */
  call(operation: string, fn: (...args: never[]) => unknown, self: unknown, args: readonly unknown[]): Promise<unknown> {
    const tally = this.tallyOf(operation);
    const histogram = this.histogram;
    const started = performance.now();
    let pending: Promise<unknown>;
    try {
      pending = Promise.resolve(Reflect.apply(fn, self, args));
    } catch (error) {
      histogram.observe(tally.error, (performance.now() - started) / 1000);
      return Promise.reject(error);
    }
    // then() rather than async/await: one promise per call instead of two, on the relay's hot path.
    return pending.then(
      (result) => {
        histogram.observe(tally.ok, (performance.now() - started) / 1000);
        return result;
      },
      (error: unknown) => {
        histogram.observe(tally.error, (performance.now() - started) / 1000);
        throw error;
      },
    );
  }

  private tallyOf(operation: string): Tallies {
    let tally = this.tallies.get(operation);
    if (!tally) {
      tally = this.histogram.tallyOf(operation);
      this.tallies.set(operation, tally);
    }
    return tally;
  }
}
