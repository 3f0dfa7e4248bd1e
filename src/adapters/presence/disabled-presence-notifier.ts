import type { RoomEvent } from '../../domain';
import type { ManagedPresenceNotifier, PresenceStats } from './managed-presence-notifier';

const idle: PresenceStats = {
  depth: 0,
  dropped: 0,
  delivered: 0,
  resent: 0,
  replyTimeouts: 0,
  malformedReplies: 0,
  refusedReplies: 0,
  unsolicitedReplies: 0,
  reconnects: 0,
  connected: false,
};

/** The default when `PRESENCE_TCP` is not set: no presence server to tell. */
export class DisabledPresenceNotifier implements ManagedPresenceNotifier {
  start(): void {}

  notify(_event: RoomEvent): void {}

  async shutdown(_deadlineMs: number): Promise<void> {}

  stats(): PresenceStats {
    return idle;
  }

  async flushDeadNodeOutbox(_deadNodeId: string): Promise<number> {
    return 0;
  }
}
