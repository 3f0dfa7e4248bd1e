import { AddressRateLimiter } from '../../../src/adapters/http/address-rate-limiter';

describe('AddressRateLimiter', () => {
  it('grants a burst, then refuses with a retry hint until the rate refills a token', () => {
    let now = 0;
    const limiter = new AddressRateLimiter(60, 3, () => now);
    expect([limiter.take('10.0.0.1'), limiter.take('10.0.0.1'), limiter.take('10.0.0.1')]).toEqual([0, 0, 0]);
    expect(limiter.take('10.0.0.1')).toBe(1_000);
    now += 1_000; // 60 a minute: one token a second
    expect(limiter.take('10.0.0.1')).toBe(0);
    expect(limiter.take('10.0.0.1')).toBe(1_000);
  });

  it('keeps one bucket per client: another address is not refused, and ::ffff:10.0.0.1 is 10.0.0.1', () => {
    const limiter = new AddressRateLimiter(60, 1, () => 0);
    expect(limiter.take('10.0.0.1')).toBe(0);
    expect(limiter.take('::ffff:10.0.0.1')).toBeGreaterThan(0);
    expect(limiter.take('10.0.0.2')).toBe(0);
  });

  it('keeps one bucket per IPv6 /64: another address of it is refused, another /64 is not', () => {
    const limiter = new AddressRateLimiter(60, 1, () => 0);
    expect(limiter.take('2001:db8:5:5::1')).toBe(0);
    expect(limiter.take('2001:db8:5:5:ffff::2')).toBeGreaterThan(0);
    expect(limiter.take('2001:db8:5:6::1')).toBe(0);
  });

  it('tracks at most 10,000 addresses, forgetting the least recently seen', () => {
    const limiter = new AddressRateLimiter(60, 1, () => 0);
    expect(limiter.take('first')).toBe(0);
    for (let i = 0; i < 10_000; i += 1) limiter.take(`addr-${i}`);
    expect(limiter.trackedAddresses).toBe(10_000);
    // 'first' was forgotten: a fresh bucket. 'addr-9999' was seen last and is still empty.
    expect(limiter.take('first')).toBe(0);
    expect(limiter.take('addr-9999')).toBeGreaterThan(0);
  });
});
