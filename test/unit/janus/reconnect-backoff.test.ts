import { reconnectDelay } from '../../../src/adapters/shared/backoff';

describe('reconnectDelay', () => {
  const mid = () => 0.5;

  it('doubles from the first delay and stops at the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((a) => reconnectDelay(a, 250, 5_000, mid))).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
    expect(reconnectDelay(1_000, 250, 5_000, mid)).toBe(5_000);
  });

  it('jitters by at most 20 % and never exceeds the cap', () => {
    expect(reconnectDelay(2, 250, 5_000, () => 0)).toBe(800);
    expect(reconnectDelay(2, 250, 5_000, () => 0.999999)).toBe(1200);
    expect(reconnectDelay(10, 250, 5_000, () => 0.999999)).toBe(5_000);
  });
});
