import fc from 'fast-check';
import { Histogram, Registry } from 'prom-client';
import { OperationHistogram } from '../../../src/adapters/metrics/operation-histogram';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** The exposition's lines, sorted: the order of labelled children may differ, their samples may not. */
const lines = async (registry: Registry): Promise<string[]> => (await registry.metrics()).split('\n').filter(Boolean).sort();

describe('OperationHistogram', () => {
  it('exports what a prom-client Histogram labelled by operation and outcome exports for the same observations', async () => {
    const observation = fc.record({
      operation: fc.constantFrom('offer', 'answer', 'addIceCandidate', 'a "quoted"\\name'),
      outcome: fc.constantFrom('ok' as const, 'error' as const),
      // On the bounds too: a value equal to a bound falls in that bucket (le).
      seconds: fc.oneof(fc.constantFrom(...BUCKETS, 0, 11), fc.double({ min: 0, max: 12, noNaN: true })),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(observation, { maxLength: 60 }), async (observations) => {
        const theirs = new Registry();
        const ours = new Registry();
        for (const registry of [theirs, ours]) registry.setDefaultLabels({ node: 'n1' });
        const reference = new Histogram({ name: 'calls_seconds', help: 'Calls, "by" operation', labelNames: ['operation', 'outcome'], buckets: BUCKETS, registers: [theirs] });
        const histogram = new OperationHistogram('calls_seconds', 'Calls, "by" operation', BUCKETS, [ours]);
        for (const { operation, outcome, seconds } of observations) {
          reference.labels(operation, outcome).observe(seconds);
          histogram.observe(histogram.tallyOf(operation)[outcome], seconds);
        }
        expect(await lines(ours)).toEqual(await lines(theirs));
      }),
      { numRuns: 300 },
    );
  });

  it('counts by operation and outcome', () => {
    const histogram = new OperationHistogram('x_seconds', 'x', BUCKETS, [new Registry()]);
    histogram.observe(histogram.tallyOf('offer').ok, 0.002);
    histogram.observe(histogram.tallyOf('offer').error, 0.002);
    histogram.observe(histogram.tallyOf('offer').ok, 20);
    expect([histogram.countOf('offer', 'ok'), histogram.countOf('offer', 'error'), histogram.countOf('answer', 'ok')]).toEqual([2, 1, 0]);
  });
});
