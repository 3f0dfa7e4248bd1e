/**
 * Open connections per client address, across both transports. The address is the TCP peer's: behind a
 * reverse proxy every client shares the proxy's address, so set the limit there instead (see docs/security.md).
 */
export class IpConnectionLimiter {
  private readonly open = new Map<string, number>();

  constructor(readonly maxPerIp: number) {
    if (!Number.isInteger(maxPerIp) || maxPerIp < 1) throw new RangeError(`connections per IP must be a positive integer, got ${maxPerIp}`);
  }

  count(address: string): number {
    return this.open.get(normalizeAddress(address)) ?? 0;
  }

  isFull(address: string): boolean {
    return this.count(address) >= this.maxPerIp;
  }

  /** Counts a connection from `address`, or refuses it; a granted one must be released exactly once. */
  tryAcquire(address: string): (() => void) | undefined {
    const key = normalizeAddress(address);
    const now = this.open.get(key) ?? 0;
    if (now >= this.maxPerIp) return undefined;
    this.open.set(key, now + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left <= 0) this.open.delete(key);
      else this.open.set(key, left);
    };
  }

  /** Addresses with at least one open connection; the map never grows with closed ones. */
  get trackedAddresses(): number {
    return this.open.size;
  }
}

/** `::ffff:10.0.0.1` and `10.0.0.1` are the same client. */
const normalizeAddress = (address: string): string => (address.startsWith('::ffff:') ? address.slice(7) : address).toLowerCase();
