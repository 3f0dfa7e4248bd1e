import type { ConnectionId, UserId } from './identifiers';
import type { MediaState } from './media-state';

/** One user in one room, reached through exactly one client connection. Immutable: changes make a new value. */
export interface Participant extends MediaState {
  readonly userId: UserId;
  readonly connectionId: ConnectionId;
  readonly joinedAt: number;
}

export const withMediaState = (p: Participant, change: Partial<MediaState>): Participant => ({
  ...p,
  audio: change.audio ?? p.audio,
  video: change.video ?? p.video,
});
