import { JanusTimeoutError, withTimeout } from '../../../src/adapters/janus/janus-timeout';

describe('withTimeout', () => {
  it('passes results and errors through in time', async () => {
    await expect(withTimeout('op', 1_000, Promise.resolve(7))).resolves.toBe(7);
    await expect(withTimeout('op', 1_000, Promise.reject(new Error('no')))).rejects.toThrow('no');
  });

  it('rejects with a JanusTimeoutError after the deadline and hands a late result to onLate', async () => {
    let finish: (v: string) => void = () => undefined;
    const late: string[] = [];
    const pending = withTimeout('attach', 20, new Promise<string>((r) => (finish = r)), (v) => late.push(v));
    await expect(pending).rejects.toBeInstanceOf(JanusTimeoutError);
    await expect(pending).rejects.toThrow('Janus did not answer attach within 20 ms');
    finish('handle');
    await new Promise((r) => setImmediate(r));
    expect(late).toEqual(['handle']);
  });
});
