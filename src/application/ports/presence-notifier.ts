import type { RoomEvent } from '../../domain';

/**
 * Tells the external presence/state server who entered, left or dropped out of which room. Must not
 * block or fail the caller: delivery (retries, outbox) is the adapter's job.
 */
export interface PresenceNotifier {
  notify(event: RoomEvent): void;
  /** Delivers what is still queued, within the deadline, at shutdown. */
  shutdown(deadlineMs: number): Promise<void>;
}
