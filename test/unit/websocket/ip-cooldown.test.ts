import { IpConnectionLimiter } from '../../../src/adapters/websocket/ip-connection-limiter';

describe('IpConnectionLimiter cool-down', () => {
  it('refuses an address until its cool-down ends, the same address in IPv4-mapped form too, and stays bounded', () => {
    let now = 0;
    const limiter = new IpConnectionLimiter(5, () => now);
    limiter.coolDown('::ffff:10.0.0.1', 1_000);
    expect(limiter.tryAcquire('10.0.0.1')).toBeUndefined();
    expect(limiter.isFull('10.0.0.1')).toBe(true);
    expect(limiter.tryAcquire('10.0.0.2')).toBeDefined();
    now = 1_001;
    expect(limiter.tryAcquire('10.0.0.1')).toBeDefined();
    limiter.coolDown('10.0.0.3', 0);
    expect(limiter.tryAcquire('10.0.0.3')).toBeDefined();
    for (let i = 0; i < 20_000; i += 1) limiter.coolDown(`192.0.2.${i}`, 60_000);
    expect((limiter as unknown as { cooling: Map<string, number> }).cooling.size).toBeLessThanOrEqual(10_000);
  });

  it('cools down the whole /64 of an IPv6 flooder, not just the address it flooded from', () => {
    const limiter = new IpConnectionLimiter(5, () => 0);
    limiter.coolDown('2001:db8:7:7::1', 1_000);
    expect(limiter.tryAcquire('2001:db8:7:7:1234::2')).toBeUndefined();
    expect(limiter.isFull('2001:DB8:7:7::ffff')).toBe(true);
    expect(limiter.tryAcquire('2001:db8:7:8::1')).toBeDefined();
  });
});
