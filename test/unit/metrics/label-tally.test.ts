import { Counter, Registry } from 'prom-client';
import { LabelTally } from '../../../src/adapters/metrics/label-tally';

const tallied = () => {
  const registry = new Registry();
  const tally = new LabelTally();
  new Counter({ name: 'things_total', help: 'test', labelNames: ['kind'], registers: [registry], collect() { tally.flushInto(this); } });
  const scrape = async (): Promise<Record<string, number>> => {
    const metric = registry.getSingleMetric('things_total');
    if (!metric) throw new Error('counter not registered');
    const { values } = await metric.get();
    return Object.fromEntries(values.map((v) => [String(v.labels.kind), v.value]));
  };
  return { registry, tally, scrape };
};

describe('LabelTally', () => {
  it('shows every count by label value at the next scrape, and keeps totals across scrapes', async () => {
    const { tally, scrape } = tallied();
    for (let i = 0; i < 3; i += 1) tally.count('offer');
    tally.count('answer');
    expect(await scrape()).toEqual({ offer: 3, answer: 1 });
    tally.count('offer');
    expect(await scrape()).toEqual({ offer: 4, answer: 1 });
    expect(await scrape()).toEqual({ offer: 4, answer: 1 });
  });

  it('reaches the Prometheus text output', async () => {
    const { registry, tally } = tallied();
    tally.count('iceCandidate');
    tally.count('iceCandidate');
    expect(await registry.metrics()).toContain('things_total{kind="iceCandidate"} 2');
  });
});
