import { Histogram, Registry } from 'prom-client';
import { OperationTimer } from '../../../src/adapters/metrics/operation-timer';

const histogram = () =>
  new Histogram({ name: 'calls_seconds', help: 'test', labelNames: ['operation', 'outcome'] as const, buckets: [0.001, 1], registers: [new Registry()] });

const countOf = async (h: Histogram<'operation' | 'outcome'>, operation: string, outcome: string): Promise<number> => {
  const values = (await h.get()).values;
  return values.find((v) => v.metricName === 'calls_seconds_count' && v.labels.operation === operation && v.labels.outcome === outcome)?.value ?? 0;
};

describe('OperationTimer', () => {
  it('observes each call under its operation and outcome, and passes results and failures through', async () => {
    const h = histogram();
    const timer = new OperationTimer(h);
    expect(await timer.time('offer', async () => 42)).toBe(42);
    expect(await timer.time('offer', async () => 43)).toBe(43);
    const failure = new Error('backend refused');
    await expect(timer.time('offer', async () => Promise.reject(failure))).rejects.toBe(failure);
    await timer.time('answer', async () => undefined);

    expect(await countOf(h, 'offer', 'ok')).toBe(2);
    expect(await countOf(h, 'offer', 'error')).toBe(1);
    expect(await countOf(h, 'answer', 'ok')).toBe(1);
    expect(await countOf(h, 'answer', 'error')).toBe(0);
  });

  it('counts a call that throws before returning a promise as an error, and rejects with it', async () => {
    const h = histogram();
    const timer = new OperationTimer(h);
    const failure = new Error('thrown at once');
    const work = (): Promise<number> => {
      throw failure;
    };
    await expect(timer.time('close', work)).rejects.toBe(failure);
    expect(await countOf(h, 'close', 'error')).toBe(1);
  });
});
