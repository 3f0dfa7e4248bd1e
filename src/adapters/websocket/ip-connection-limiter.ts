import { limitKeyOf, type LimitKeyOf } from '../shared/client-address';

/**
 * Open connections per client address, across both transports. The address is the TCP peer's: behind a
 * reverse proxy every client shares the proxy's address, so set the limit there instead (see docs/security.md).
 * Addresses are counted by their limit key (`keyOf`): an IPv6 client by its /64 unless IPV6_LIMIT_PREFIX
 * says otherwise, since it may send from any address of its prefix.
 */
export class IpConnectionLimiter {
  private readonly open = new Map<string, number>();
  /** Addresses refused until a time (ms), oldest first; at most MAX_COOLING entries. */
  private readonly cooling = new Map<string, number>();

  constructor(
    readonly maxPerIp: number,
    private readonly now: () => number = Date.now,
    /** The key an address is counted under; given to the other per-address limits so that all agree. */
    readonly keyOf: LimitKeyOf = limitKeyOf(),
  ) {
    if (!Number.isInteger(maxPerIp) || maxPerIp < 1) throw new RangeError(`connections per IP must be a positive integer, got ${maxPerIp}`);
  }

  count(address: string): number {
    return this.open.get(this.keyOf(address)) ?? 0;
  }

  isFull(address: string): boolean {
    const key = this.keyOf(address);
    return (this.open.get(key) ?? 0) >= this.maxPerIp || this.isCooling(key);
  }

  /**
   * Refuses new connections from `address` for `ms`: given to an address whose connection the node threw
   * out for flooding. Rate limits are per connection, so without it a flooder cut off with 1008 reconnected
   * at once and went on (attacker pass: 7,000–13,000 messages/s into a room through reconnect loops).
   */
  coolDown(address: string, ms: number): void {
    if (ms <= 0) return;
    const key = this.keyOf(address);
    this.cooling.delete(key);
    this.cooling.set(key, this.now() + ms);
    // Bounded: expired entries go first, then the oldest.
    for (const [k, until] of this.cooling) {
      if (this.cooling.size <= MAX_COOLING && until > this.now()) break;
      this.cooling.delete(k);
    }
  }

  private isCooling(key: string): boolean {
    const until = this.cooling.get(key);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.cooling.delete(key);
    return false;
  }

  /** Counts a connection from `address`, or refuses it; a granted one must be released exactly once. */
  tryAcquire(address: string): (() => void) | undefined {
    const key = this.acquire(address);
    if (key === undefined) return undefined;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release(key);
    };
  }

  /**
   * Counts a connection from `address` and returns the key to `release` it with (exactly once), or
   * refuses it: for a caller that keeps the key rather than a closure per connection.
   */
  acquire(address: string): string | undefined {
    const key = this.keyOf(address);
    const now = this.open.get(key) ?? 0;
    if (now >= this.maxPerIp || this.isCooling(key)) return undefined;
    this.open.set(key, now + 1);
    return key;
  }

  release(key: string): void {
    const left = (this.open.get(key) ?? 1) - 1;
    if (left <= 0) this.open.delete(key);
    else this.open.set(key, left);
  }

  /** Addresses with at least one open connection; the map never grows with closed ones. */
  get trackedAddresses(): number {
    return this.open.size;
  }
}

const MAX_COOLING = 10_000;
