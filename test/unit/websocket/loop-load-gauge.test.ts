import { LoopLoadGauge } from '../../../src/adapters/websocket/loop-load-gauge';

jest.setTimeout(10_000);

/** Blocks this thread, as a node past its CPU blocks its event loop; timed on the gauge's clock (Date.now's whole ms read 399.x there). */
const stall = (ms: number): void => {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('LoopLoadGauge', () => {
  const gauges: LoopLoadGauge[] = [];
  const gauge = (maxLagMs: number): LoopLoadGauge => {
    // The CPU clock reads as the wall clock: a busy-wait on a loaded test machine may get less than half
    // a core, and these tests are about the loop's delays. The CPU rule has its own test below.
    const g = new LoopLoadGauge({ maxLagMs, windowMs: 200 }, () => performance.now(), () => performance.now());
    gauges.push(g);
    g.start();
    return g;
  };
  afterEach(() => gauges.splice(0).forEach((g) => g.stop()));

  it('reports a window whose loop stalled past the bound, and clears once a whole window went by without one', async () => {
    const g = gauge(250);
    await sleep(450);
    expect(g.overloadedBy).toBe(0);
    stall(500);
    // The window that held the stall closes on the next tick of its (overdue) timer.
    await sleep(50);
    expect(g.overloadedBy).toBeGreaterThanOrEqual(500);
    await sleep(500);
    expect(g.overloadedBy).toBe(0);
  });

  it('sees a stall under way at once, before any timer ran after it (a message read in the same turn)', () => {
    const g = gauge(250);
    expect(g.overloadedBy).toBe(0);
    stall(400);
    expect(g.overloadedBy).toBeGreaterThanOrEqual(400);
  });

  it('counts a gap only when the process spent CPU in it: a stopped process (SIGSTOP, a frozen VM) is not overloaded', async () => {
    let now = 0;
    let cpu = 0;
    const g = new LoopLoadGauge({ maxLagMs: 2_000, windowMs: 1_000 }, () => now, () => cpu);
    gauges.push(g);
    g.start();
    now += 5_000; // stopped: the wall clock went on, the CPU did not
    cpu += 5;
    expect(g.overloadedBy).toBe(0);
    await sleep(60); // the gauge's timer ticks: the gap is over, and it was not counted
    expect(g.overloadedBy).toBe(0);
    now += 3_000; // busy: the loop was blocked on the CPU
    cpu += 2_900;
    expect(g.overloadedBy).toBeGreaterThanOrEqual(2_000);
  });

  it('tells its listener once when it starts refusing joins and once when the overload has passed, with the joins it refused', async () => {
    let now = 0;
    let cpu = 0;
    const events: unknown[] = [];
    const g = new LoopLoadGauge({ maxLagMs: 2_000, windowMs: 1_000 }, () => now, () => cpu);
    gauges.push(g);
    g.start({ started: (stallMs) => events.push(['started', stallMs]), stopped: (shed, lastedMs, why) => events.push(['stopped', shed, lastedMs, why]) });
    now += 2_500; // a stall under way, the process busy through it
    cpu += 2_500;
    const stallMs = g.overloadedBy;
    expect(stallMs).toBe(2_500);
    for (let i = 0; i < 3; i += 1) g.shed(stallMs);
    expect(g.shedding).toBe(true);
    expect(events).toEqual([['started', 2_500]]);
    await sleep(60); // the timer ticks: the window that held the stall closes, still past the bound
    expect(g.shedding).toBe(true);
    expect(events).toHaveLength(1);
    now += 1_000; // a whole window without a busy stall
    cpu += 10;
    await sleep(60);
    expect(events).toEqual([['started', 2_500], ['stopped', 3, 1_000, 'recovered']]); // lasted from the first refusal
    expect(g.shedding).toBe(false);
    expect(g.joinsShed).toBe(3);
    g.shed(2_100); // a later episode is told again, and the total goes on
    expect(events).toHaveLength(3);
    expect(g.joinsShed).toBe(4);
  });

  it('ends a shedding episode under way when it stops (the node shuts down), and tells its listener so', () => {
    let now = 0;
    let cpu = 0;
    const events: unknown[] = [];
    const g = new LoopLoadGauge({ maxLagMs: 2_000, windowMs: 1_000 }, () => now, () => cpu);
    g.start({ started: (stallMs) => events.push(['started', stallMs]), stopped: (shed, lastedMs, why) => events.push(['stopped', shed, lastedMs, why]) });
    now += 2_500;
    cpu += 2_500;
    g.shed(g.overloadedBy);
    g.shed(g.overloadedBy);
    now += 300;
    g.stop();
    expect(events).toEqual([['started', 2_500], ['stopped', 2, 300, 'shutdown']]);
    expect(g.shedding).toBe(false);
    g.stop(); // a second stop tells nothing more
    expect(events).toHaveLength(2);
  });

  it('does not count delays under the bound', async () => {
    const g = gauge(300);
    for (let i = 0; i < 4; i += 1) {
      stall(60);
      await sleep(60);
    }
    await sleep(250);
    expect(g.overloadedBy).toBe(0);
  });

  it('is off at 0: the same stall reports nothing', async () => {
    const g = gauge(0);
    stall(400);
    await sleep(450);
    expect(g.overloadedBy).toBe(0);
  });
});
