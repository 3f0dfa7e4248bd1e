import type { Logger } from '../../application';
import { BoundedQueue } from './bounded-queue';
import type { PresenceMessage } from './presence-message';
import type { OutboxEntry, PresenceOutbox } from './presence-outbox';

/** Outbox in this process only: survives presence server outages, not a crash of this node. */
export class MemoryPresenceOutbox implements PresenceOutbox {
  readonly durable = false;
  private readonly queue: BoundedQueue<OutboxEntry>;

  constructor(max: number, logger: Logger) {
    this.queue = new BoundedQueue<OutboxEntry>(max, logger, 'memory');
  }

  async open(): Promise<void> {}

  append(message: PresenceMessage): void {
    this.queue.push({ message });
  }

  head(): OutboxEntry | undefined {
    return this.queue.peek();
  }

  remove(entry: OutboxEntry): void {
    this.queue.remove(entry);
  }

  get depth(): number {
    return this.queue.length;
  }

  get dropped(): number {
    return this.queue.dropped;
  }

  async close(): Promise<void> {}
}
