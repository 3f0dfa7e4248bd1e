import { IpConnectionLimiter } from '../../../src/adapters/websocket/ip-connection-limiter';

describe('IpConnectionLimiter', () => {
  it('counts per address and refuses above the limit', () => {
    const limiter = new IpConnectionLimiter(2);
    const a1 = limiter.tryAcquire('10.0.0.1');
    const a2 = limiter.tryAcquire('::ffff:10.0.0.1');
    expect(a1).toBeDefined();
    expect(a2).toBeDefined();
    expect(limiter.tryAcquire('10.0.0.1')).toBeUndefined();
    expect(limiter.isFull('10.0.0.1')).toBe(true);
    expect(limiter.tryAcquire('10.0.0.2')).toBeDefined();
    a1!();
    a1!(); // a second release must not free someone else's slot
    expect(limiter.count('10.0.0.1')).toBe(1);
    expect(limiter.tryAcquire('10.0.0.1')).toBeDefined();
    expect(limiter.tryAcquire('10.0.0.1')).toBeUndefined();
  });

  it('forgets addresses with no open connection', () => {
    const limiter = new IpConnectionLimiter(5);
    const releases = ['1.1.1.1', '2.2.2.2', '3.3.3.3'].map((a) => limiter.tryAcquire(a)!);
    expect(limiter.trackedAddresses).toBe(3);
    for (const release of releases) release();
    expect(limiter.trackedAddresses).toBe(0);
  });

  it('refuses a limit below one', () => {
    expect(() => new IpConnectionLimiter(0)).toThrow(RangeError);
  });
});
