import type { Logger } from '../../application';

/**
 * FIFO with a hard size bound and a drop-oldest overflow policy. Dropping the oldest keeps the newest
 * state of each user, which is what presence needs most, and memory stays bounded during a long outage.
 * Filling up is logged at error level once per episode (until the queue drains below 90%), not once
 * per dropped entry, so a long outage does not flood the log.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private start = 0;
  private droppedCount = 0;
  private fullEpisode = false;

  constructor(
    private readonly max: number,
    private readonly logger: Logger,
    private readonly what: string,
    /** Told of each entry dropped on overflow, so a durable outbox can delete its copy. */
    private readonly onDrop: (item: T) => void = () => undefined,
  ) {
    if (!Number.isSafeInteger(max) || max < 1) throw new Error(`${what} bound must be a positive integer`);
  }

  get length(): number {
    return this.items.length - this.start;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  push(item: T): void {
    this.items.push(item);
    while (this.length > this.max) {
      const oldest = this.shift();
      if (oldest === undefined) break;
      this.droppedCount += 1;
      this.onDrop(oldest);
    }
    if (this.length >= this.max && !this.fullEpisode) {
      this.fullEpisode = true;
      this.logger.error({ outbox: this.what, bound: this.max, dropped: this.droppedCount }, 'presence outbox is full: the oldest notifications are being dropped');
    }
  }

  /** Puts older items in front of everything queued (entries a previous process left behind). */
  prepend(older: readonly T[]): void {
    this.items = [...older, ...this.items.slice(this.start)];
    this.start = 0;
    while (this.length > this.max) {
      const oldest = this.shift();
      if (oldest === undefined) break;
      this.droppedCount += 1;
      this.onDrop(oldest);
    }
  }

  peek(): T | undefined {
    return this.start < this.items.length ? this.items[this.start] : undefined;
  }

  shift(): T | undefined {
    if (this.start >= this.items.length) return undefined;
    const item = this.items[this.start];
    this.start += 1;
    // Compacts now and then so shifting stays O(1) amortised without holding on to delivered items.
    if (this.start > 1024 && this.start * 2 > this.items.length) {
      this.items = this.items.slice(this.start);
      this.start = 0;
    }
    this.noteDrained();
    return item;
  }

  /** Removes a given item wherever it is; false when it is not queued. */
  remove(item: T): boolean {
    if (this.peek() === item) {
      this.shift();
      return true;
    }
    const index = this.items.indexOf(item, this.start);
    if (index === -1) return false;
    this.items.splice(index, 1);
    this.noteDrained();
    return true;
  }

  values(): T[] {
    return this.items.slice(this.start);
  }

  private noteDrained(): void {
    if (this.fullEpisode && this.length < this.max * 0.9) {
      this.fullEpisode = false;
      this.logger.warn({ outbox: this.what, depth: this.length, dropped: this.droppedCount }, 'presence outbox is draining again');
    }
  }
}
