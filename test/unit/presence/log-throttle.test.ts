import { LogThrottle } from '../../../src/adapters/presence/log-throttle';

describe('LogThrottle', () => {
  it('lets one through per interval and key, and counts the ones held back', () => {
    let now = 0;
    const throttle = new LogThrottle(1_000, () => now);
    expect(throttle.allow('a')).toBe(0);
    expect(throttle.allow('a')).toBeUndefined();
    expect(throttle.allow('b')).toBe(0);
    now = 500;
    expect(throttle.allow('a')).toBeUndefined();
    now = 1_000;
    expect(throttle.allow('a')).toBe(2);
  });
});
