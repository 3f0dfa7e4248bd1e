import { limitKeyOf, type LimitKeyOf } from '../shared/client-address';

/**
 * How many seats connections from one client address may leave held within one grace period. A held seat
 * needs no open connection, so MAX_CONNECTIONS_PER_IP did not bound them: one client kept 500 seats in 100
 * rooms (a node full for everyone else) with at most 10 sockets, resuming each seat within the grace from
 * short-lived connections (attacker pass). Counting the seats held from an address over the last grace
 * period bounds that by the same number as open connections; past it a drop is a plain departure.
 * Behind one NAT, more clients than that dropping together lose their seats and join afresh. Counted by
 * the same key as open connections (an IPv6 client's /64): per full address, a client with a prefix of
 * its own held as many seats as it had addresses.
 */
export class HeldSeatAllowance {
  /** Per address, when its recent seats were held (oldest first); addresses oldest first. */
  private readonly held = new Map<string, number[]>();

  constructor(
    private readonly perAddress: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly keyOf: LimitKeyOf = limitKeyOf(),
  ) {}

  /** Whether one more seat may be held for a connection from `address`. */
  allows(address: string): boolean {
    return this.recent(this.keyOf(address)).length < this.perAddress;
  }

  /** Counts a seat held for a connection from `address`. */
  record(address: string): void {
    const key = this.keyOf(address);
    const times = this.recent(key);
    times.push(this.now());
    this.held.delete(key);
    this.held.set(key, times);
    // Bounded: addresses whose window passed go first, then the oldest.
    for (const [old, list] of this.held) {
      if (this.held.size <= MAX_ADDRESSES && list.at(-1)! > this.now() - this.windowMs) break;
      this.held.delete(old);
    }
  }

  get trackedAddresses(): number {
    return this.held.size;
  }

  private recent(key: string): number[] {
    const times = this.held.get(key);
    if (!times) return [];
    const since = this.now() - this.windowMs;
    while (times.length > 0 && times[0]! <= since) times.shift();
    if (times.length === 0) this.held.delete(key);
    return times;
  }
}

const MAX_ADDRESSES = 10_000;
