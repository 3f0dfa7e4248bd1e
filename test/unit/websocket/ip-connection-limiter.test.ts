import { limitKeyOf } from '../../../src/adapters/shared/client-address';
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

  it('counts an IPv6 client by its /64, however the addresses are written; per address with a prefix of 128', () => {
    const limiter = new IpConnectionLimiter(2);
    expect(limiter.tryAcquire('2001:db8:1:2::1')).toBeDefined();
    expect(limiter.tryAcquire('2001:DB8:1:2:abcd:0:0:1')).toBeDefined();
    expect(limiter.tryAcquire('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBeUndefined();
    expect(limiter.count('2001:0db8:0001:0002::9')).toBe(2);
    expect(limiter.tryAcquire('2001:db8:1:3::1')).toBeDefined();

    const perAddress = new IpConnectionLimiter(1, Date.now, limitKeyOf(128));
    expect(perAddress.tryAcquire('2001:db8:1:2::1')).toBeDefined();
    expect(perAddress.tryAcquire('2001:db8:1:2::2')).toBeDefined();
    expect(perAddress.tryAcquire('2001:DB8:1:2:0:0:0:0001')).toBeUndefined();
  });

  it('refuses a limit below one', () => {
    expect(() => new IpConnectionLimiter(0)).toThrow(RangeError);
  });
});
