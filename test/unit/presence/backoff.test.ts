import { Backoff } from '../../../src/adapters/shared/backoff';

describe('Backoff', () => {
  it('doubles from the base up to the cap, each delay between half and all of its ceiling', () => {
    const low = new Backoff(100, 1_000, () => 0);
    const high = new Backoff(100, 1_000, () => 1);
    const lows = Array.from({ length: 7 }, () => low.next());
    const highs = Array.from({ length: 7 }, () => high.next());
    expect(highs).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
    expect(lows).toEqual([50, 100, 200, 400, 500, 500, 500]);
  });

  it('jitters between attempts and starts over after reset', () => {
    const values = [0.1, 0.9, 0.5];
    const backoff = new Backoff(1_000, 60_000, () => values.shift() ?? 0);
    expect(backoff.next()).toBe(550);
    expect(backoff.next()).toBe(1_900);
    expect(backoff.attempts).toBe(2);
    backoff.reset();
    expect(backoff.attempts).toBe(0);
    expect(backoff.next()).toBe(750);
  });

  it('never overflows after very many failures', () => {
    const backoff = new Backoff(200, 10_000, () => 1);
    for (let i = 0; i < 2_000; i += 1) backoff.next();
    expect(backoff.next()).toBe(10_000);
  });
});
