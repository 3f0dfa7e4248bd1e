import type { OperationHistogram } from './operation-histogram';

/**
 * Times calls into a histogram labelled by operation and outcome: one map lookup per call in the
 * histogram itself (media calls such as addIceCandidate sit on the relay's hot path).
 */
export class OperationTimer {
  constructor(private readonly histogram: OperationHistogram) {}

  time<T>(operation: string, work: () => Promise<T>): Promise<T> {
    return this.call(operation, work, undefined, []) as Promise<T>;
  }

  /**
   * `fn.apply(self, args)`, timed: what a timed port calls, without a closure per call. A function that
   * throws instead of returning a promise counts as an error and rejects.
   */
  call(operation: string, fn: (...args: never[]) => unknown, self: unknown, args: readonly unknown[]): Promise<unknown> {
    const histogram = this.histogram;
    const tally = histogram.tallyOf(operation);
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
}
