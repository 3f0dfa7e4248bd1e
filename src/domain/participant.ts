import type { ConnectionId, UserId } from './identifiers';
import type { MediaState } from './media-state';

/**
 * What lets a participant come back to its seat from a new connection after a drop (`resumeSession`):
 * the proof its resume token must match, never the token itself.
 */
export interface Seat {
  /** Hash of the secret part of the participant's current resume token. */
  readonly proof: string;
  /** The seat never outlives this (ms since the epoch): the expiry of the token the participant joined with. */
  readonly notAfter?: number;
}

/** One user in one room, reached through exactly one client connection. Immutable: changes make a new value. */
export interface Participant extends MediaState {
  readonly userId: UserId;
  readonly connectionId: ConnectionId;
  readonly joinedAt: number;
  /** What the others show instead of the user id, when the client gave one (checked like an id). */
  readonly displayName?: string;
  /** Present when the participant joined resumable: a dropped connection then holds its seat for a while. */
  readonly seat?: Seat;
  /**
   * Set while its connection is gone and its seat is held (ms, this node's clock): it still counts toward
   * the room's capacity and keeps its media, and departs when this passes without a resume.
   */
  readonly reconnectingUntil?: number;
}

export const withMediaState = (p: Participant, change: Partial<MediaState>): Participant => ({
  ...p,
  audio: change.audio ?? p.audio,
  video: change.video ?? p.video,
});

export const isReconnecting = (p: Participant): boolean => p.reconnectingUntil !== undefined;
