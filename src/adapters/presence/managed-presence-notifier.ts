import type { PresenceNotifier } from '../../application';

/** Counters for metrics and tests. */
export interface PresenceStats {
  /** Messages waiting in the outbox. */
  readonly depth: number;
  /** Messages dropped because the outbox was full (oldest first). */
  readonly dropped: number;
  readonly delivered: number;
  /** Messages sent again after a timeout or a broken connection: the most duplicates the server may have seen. */
  readonly resent: number;
  readonly replyTimeouts: number;
  /** Replies that were not clean text or JSON; the message still counts as delivered. */
  readonly malformedReplies: number;
  /** JSON replies with `ok: false` or an `error`; the message still counts as delivered. */
  readonly refusedReplies: number;
  /** Lines that answered no open request (late or extra replies); ignored. */
  readonly unsolicitedReplies: number;
  /** Connections opened after the first one. */
  readonly reconnects: number;
  readonly connected: boolean;
}

/** The presence port plus what the composition root, metrics and the node reaper need. */
export interface ManagedPresenceNotifier extends PresenceNotifier {
  /** Starts connecting and sending in the background (notifications before this only queue). */
  start(): void;
  stats(): PresenceStats;
  /**
   * Sends the notifications a dead signaling node left in its durable outbox (moves them into this
   * node's outbox). Resolves to how many were taken over; 0 without a durable outbox. Rejects when
   * Redis fails or times out (then call again later: nothing is lost or doubled).
   */
  flushDeadNodeOutbox(deadNodeId: string): Promise<number>;
}
