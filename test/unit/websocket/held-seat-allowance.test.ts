import { HeldSeatAllowance } from '../../../src/adapters/websocket/held-seat-allowance';

describe('HeldSeatAllowance', () => {
  it('allows a number of held seats per address within the window, frees them as the window moves, and stays bounded', () => {
    let now = 0;
    const allowance = new HeldSeatAllowance(2, 1_000, () => now);
    expect(allowance.allows('a')).toBe(true);
    allowance.record('a');
    now = 500;
    allowance.record('a');
    expect(allowance.allows('a')).toBe(false);
    expect(allowance.allows('b')).toBe(true);
    now = 1_001; // the first one left the window
    expect(allowance.allows('a')).toBe(true);
    now = 1_501;
    expect(allowance.allows('a')).toBe(true);
    expect(allowance.trackedAddresses).toBe(0);
    for (let i = 0; i < 20_000; i += 1) allowance.record(`10.0.${i}`);
    expect(allowance.trackedAddresses).toBeLessThanOrEqual(10_000);
  });

  it('counts the seats held from an IPv6 client per /64', () => {
    const allowance = new HeldSeatAllowance(2, 1_000, () => 0);
    allowance.record('2001:db8:9:9::1');
    allowance.record('2001:db8:9:9::2');
    expect(allowance.allows('2001:db8:9:9:8000::3')).toBe(false);
    expect(allowance.allows('2001:db8:9:a::1')).toBe(true);
  });
});
