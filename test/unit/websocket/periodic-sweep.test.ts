import { PeriodicSweep } from '../../../src/adapters/websocket/periodic-sweep';

describe('PeriodicSweep', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('visits every item exactly once per period, a tenth of a second\'s slice at a time', () => {
    const visits: [number, number][] = [];
    const sweep = new PeriodicSweep<number>(1_000, (item) => visits.push([Date.now(), item]));
    for (let i = 0; i < 1_000; i += 1) sweep.add(i);
    expect(sweep.sliceCount).toBe(10);
    jest.advanceTimersByTime(3_000);
    sweep.stop();
    const perItem = new Map<number, number[]>();
    for (const [at, item] of visits) perItem.set(item, [...(perItem.get(item) ?? []), at]);
    expect(perItem.size).toBe(1_000);
    for (const times of perItem.values()) {
      expect(times).toHaveLength(3);
      // Same phase every period: an item is visited one period after its last visit.
      expect(times[1]! - times[0]!).toBe(1_000);
      expect(times[2]! - times[1]!).toBe(1_000);
    }
    const perTick = new Map<number, number>();
    for (const [at] of visits) perTick.set(at, (perTick.get(at) ?? 0) + 1);
    expect(Math.max(...perTick.values())).toBe(100);
  });

  it('keeps the slices even under churn and forgets deleted items, also those deleted during their own visit', () => {
    const visited: number[] = [];
    const sweep = new PeriodicSweep<number>(1_000, (item) => {
      visited.push(item);
      if (item % 2 === 0) sweep.delete(item);
    });
    for (let i = 0; i < 100; i += 1) sweep.add(i);
    for (let i = 0; i < 50; i += 1) sweep.delete(i * 2 + 1); // every odd one leaves
    for (let i = 100; i < 150; i += 1) sweep.add(i);
    jest.advanceTimersByTime(1_000);
    expect(visited.filter((i) => i % 2 === 1 && i < 100)).toEqual([]);
    expect(new Set(visited).size).toBe(100);
    visited.length = 0;
    jest.advanceTimersByTime(1_000);
    expect(visited.every((i) => i % 2 === 1)).toBe(true);
    expect(sweep.size).toBe(25);
    sweep.stop();
  });

  it('a period shorter than a slice is one slice', () => {
    const visited: number[] = [];
    const sweep = new PeriodicSweep<number>(50, (item) => visited.push(item));
    sweep.add(1);
    sweep.add(2);
    expect(sweep.sliceCount).toBe(1);
    jest.advanceTimersByTime(50);
    expect(visited).toEqual([1, 2]);
    sweep.stop();
  });

  it('a finer slice wakes more often with fewer items each time, every item still once per period', () => {
    const visits: [number, number][] = [];
    const sweep = new PeriodicSweep<number>(1_000, (item) => visits.push([Date.now(), item]), 10);
    for (let i = 0; i < 1_000; i += 1) sweep.add(i);
    expect(sweep.sliceCount).toBe(100);
    const start = Date.now();
    jest.advanceTimersByTime(1_000);
    expect(new Set(visits.map(([, item]) => item)).size).toBe(1_000);
    expect(visits).toHaveLength(1_000);
    const perTick = new Map<number, number>();
    for (const [at] of visits) perTick.set(at - start, (perTick.get(at - start) ?? 0) + 1);
    expect(Math.max(...perTick.values())).toBe(10);
    sweep.stop();
  });
});
