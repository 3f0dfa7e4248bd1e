import type { PresenceMessage } from './presence-message';

/** One waiting message. Outboxes tag entries with their own bookkeeping; callers only read `message`. */
export interface OutboxEntry {
  readonly message: PresenceMessage;
}

/**
 * Where messages wait until the presence server has acknowledged them. Oldest first; bounded, and when
 * full the oldest entry is dropped and counted. The in-process view is synchronous so `notify()` never
 * waits; durable implementations persist in the background.
 */
export interface PresenceOutbox {
  /** True when entries outlive this process (a crash loses nothing that was persisted). */
  readonly durable: boolean;
  /** Loads entries a previous process left behind; the sender starts after it resolves. Never rejects. */
  open(): Promise<void>;
  append(message: PresenceMessage): void;
  /** The oldest waiting entry (the next to send), if any. */
  head(): OutboxEntry | undefined;
  /** Forgets a delivered entry. No-op for an entry that is no longer there (dropped on overflow). */
  remove(entry: OutboxEntry): void;
  /** Entries waiting, for metrics. */
  readonly depth: number;
  /** Entries dropped on overflow since start, for metrics. */
  readonly dropped: number;
  /** Called when entries arrive other than through `append` (adopted from a dead node), so the sender wakes up. */
  onArrival?(listener: () => void): void;
  /** Takes over the stored outbox of a dead node; resolves to how many entries were taken. Durable outboxes only. */
  adopt?(deadNodeId: string): Promise<number>;
  /** Stops background work after at most `deadlineMs`, persisting what it can first. */
  close(deadlineMs: number): Promise<void>;
}
