import { Registry } from 'prom-client';
import { OperationHistogram } from '../../../src/adapters/metrics/operation-histogram';
import { timedPort } from '../../../src/adapters/metrics/timed-port';

interface Port {
  fetch(n: number): Promise<number>;
  fail(): Promise<void>;
  isAvailable(): boolean;
}

class Adapter implements Port {
  calls = 0;
  async fetch(n: number): Promise<number> {
    this.calls += 1;
    return n * 2;
  }
  async fail(): Promise<void> {
    throw new Error('refused');
  }
  isAvailable(): boolean {
    return this.calls >= 0;
  }
}

const countOf = async (registry: Registry, operation: string, outcome: string): Promise<number> => {
  const text = await registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`port_seconds_count{operation="${operation}",outcome="${outcome}"}`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
};

describe('timedPort', () => {
  it('times the named calls by outcome and passes everything else through, on the adapter itself', async () => {
    const registry = new Registry();
    const histogram = new OperationHistogram('port_seconds', 'h', [0.005, 1], [registry]);
    const adapter = new Adapter();
    const port: Port = timedPort<Port>(adapter, histogram, ['fetch', 'fail']);
    expect(await port.fetch(21)).toBe(42);
    expect(await port.fetch(1)).toBe(2);
    await expect(port.fail()).rejects.toThrow('refused');
    expect(port.isAvailable()).toBe(true);
    expect(adapter.calls).toBe(2);
    expect(await countOf(registry, 'fetch', 'ok')).toBe(2);
    expect(await countOf(registry, 'fail', 'error')).toBe(1);
    expect(await countOf(registry, 'isAvailable', 'ok')).toBe(0);
    // One wrapper per operation, made once.
    expect(port.fetch).toBe(port.fetch);
  });
});
