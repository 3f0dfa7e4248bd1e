import { StallWatch } from '../../../src/adapters/websocket/stall-watch';

describe('StallWatch', () => {
  it('calls a backlog dead once it stayed non-empty through two whole intervals without draining', () => {
    const watch = new StallWatch();
    expect(watch.tick(10)).toBe(false); // non-empty now; since when is unknown
    expect(watch.tick(10)).toBe(false); // one interval
    expect(watch.tick(5)).toBe(true); // two intervals, never drained
  });

  it('a backlog that emptied at a tick, or drained between two, starts over', () => {
    const watch = new StallWatch();
    watch.tick(10);
    watch.tick(10);
    expect(watch.tick(0)).toBe(false);
    watch.tick(10);
    watch.tick(10);
    watch.drained();
    expect(watch.tick(10)).toBe(false); // drained in the interval before this tick
    expect(watch.tick(10)).toBe(false);
    expect(watch.tick(10)).toBe(false);
    expect(watch.tick(10)).toBe(true);
  });
});
