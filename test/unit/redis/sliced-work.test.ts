import { inSlices, type SliceClock } from '../../../src/adapters/redis/sliced-work';

/** A clock that only moves when the code under test sleeps. */
const fakeClock = (): SliceClock & { slept: number[] } => {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
};

describe('inSlices', () => {
  it('cuts the items into equal slices started evenly over the spread, each item once, in order', async () => {
    const clock = fakeClock();
    const seen: [number, number][] = [];
    const items = Array.from({ length: 400 }, (_, i) => i);
    await inSlices(items, 500, async (item) => void seen.push([clock.now(), item]), clock);
    expect(seen.map(([, item]) => item)).toEqual(items);
    const starts = [...new Set(seen.map(([at]) => at))];
    expect(starts).toEqual(Array.from({ length: 20 }, (_, k) => k * 25));
    expect(seen.filter(([at]) => at === 0)).toHaveLength(20);
  });

  it('a few items go at once, without a timer', async () => {
    const clock = fakeClock();
    let count = 0;
    await inSlices([1, 2, 3], 2_500, async () => void (count += 1), clock);
    expect(count).toBe(3);
    expect(clock.slept).toEqual([]);
  });

  it('no spread: everything at once', async () => {
    const clock = fakeClock();
    let count = 0;
    await inSlices(Array.from({ length: 1_000 }, (_, i) => i), 0, async () => void (count += 1), clock);
    expect(count).toBe(1_000);
    expect(clock.slept).toEqual([]);
  });

  it('a slice that ran late starts the next at once; the later ones keep their due times', async () => {
    let now = 0;
    const clock: SliceClock = { now: () => now, sleep: async (ms) => void (now += ms) };
    const starts: number[] = [];
    await inSlices(Array.from({ length: 100 }, (_, i) => i), 100, async (item) => {
      if (item % 20 === 0) starts.push(now);
      if (item === 0) now += 50; // the first slice took 50 ms
    }, clock);
    expect(starts).toEqual([0, 50, 50, 60, 80]);
  });

  it('tries every item when some fail, then throws the first failure', async () => {
    const clock = fakeClock();
    const tried: number[] = [];
    await expect(
      inSlices(Array.from({ length: 100 }, (_, i) => i), 100, async (item) => {
        tried.push(item);
        if (item === 30 || item === 70) throw new Error(`item ${item}`);
      }, clock),
    ).rejects.toThrow('item 30');
    expect(tried).toHaveLength(100);
  });
});
