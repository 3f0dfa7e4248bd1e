import { limitKeyOf, type LimitKeyOf } from '../shared/client-address';
import { TokenBucket } from '../shared/token-bucket';

/** Addresses tracked at most: past it the least recently seen is forgotten (a full bucket, at worst a fresh one). */
const MAX_TRACKED = 10_000;

/**
 * A token bucket per client address, for HTTP requests that cost the node more than their bytes: a room
 * lookup books the room on a node for a heartbeat and counts as load there, so a client asking about
 * rooms nobody joins skews where real rooms go. Memory stays bounded however many addresses ask.
 */
export class AddressRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly perMinute: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
    /** An IPv6 client is one bucket per /64 (IPV6_LIMIT_PREFIX): it may send from any address of it. */
    private readonly keyOf: LimitKeyOf = limitKeyOf(),
  ) {
    if (!Number.isInteger(perMinute) || perMinute < 1) throw new RangeError(`requests per minute must be a positive integer, got ${perMinute}`);
  }

  /** Takes one request's token for `address`: 0 when granted, else about how long (ms) until one is free. */
  take(client: string): number {
    const address = this.keyOf(client);
    let bucket = this.buckets.get(address);
    if (bucket) {
      this.buckets.delete(address); // re-inserted last: the map's order is least recently seen first
    } else {
      bucket = new TokenBucket(this.perMinute / 60, this.burst, this.now);
      if (this.buckets.size >= MAX_TRACKED) this.buckets.delete(this.buckets.keys().next().value as string);
    }
    this.buckets.set(address, bucket);
    return bucket.take() ? 0 : Math.ceil(60_000 / this.perMinute);
  }

  get trackedAddresses(): number {
    return this.buckets.size;
  }
}
