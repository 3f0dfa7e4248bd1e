import { Registry } from 'prom-client';
import { OperationHistogram } from '../../../src/adapters/metrics/operation-histogram';
import { OperationTimer } from '../../../src/adapters/metrics/operation-timer';

const histogram = () => new OperationHistogram('calls_seconds', 'test', [0.001, 1], [new Registry()]);

describe('OperationTimer', () => {
  it('observes each call under its operation and outcome, and passes results and failures through', async () => {
    const h = histogram();
    const timer = new OperationTimer(h);
    expect(await timer.time('offer', async () => 42)).toBe(42);
    expect(await timer.time('offer', async () => 43)).toBe(43);
    const failure = new Error('backend refused');
    await expect(timer.time('offer', async () => Promise.reject(failure))).rejects.toBe(failure);
    await timer.time('answer', async () => undefined);

    expect(h.countOf('offer', 'ok')).toBe(2);
    expect(h.countOf('offer', 'error')).toBe(1);
    expect(h.countOf('answer', 'ok')).toBe(1);
    expect(h.countOf('answer', 'error')).toBe(0);
  });

  it('counts a call that throws before returning a promise as an error, and rejects with it', async () => {
    const h = histogram();
    const timer = new OperationTimer(h);
    const failure = new Error('thrown at once');
    const work = (): Promise<number> => {
      throw failure;
    };
    await expect(timer.time('close', work)).rejects.toBe(failure);
    expect(h.countOf('close', 'error')).toBe(1);
  });
});
