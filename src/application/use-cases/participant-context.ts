import {
  linkPeer,
  SignalingError,
  type ConnectionId,
  type MediaLink,
  type MediaSession,
  type Room,
  type UserId,
} from '../../domain';
import type { RoomRegistry } from '../room-registry';

export interface ParticipantContext {
  readonly room: Room;
  readonly userId: UserId;
  readonly session: MediaSession;
}

/** Who sends on this connection, in which room; refuses connections that have not joined. */
export const resolveParticipant = (registry: RoomRegistry, connectionId: ConnectionId): ParticipantContext => {
  const membership = registry.membership(connectionId);
  const room = membership && registry.room(membership.roomId);
  if (!membership || !room) {
    throw new SignalingError('notInRoom', 'join a room first (joinRoom)');
  }
  const session = room.mediaSession;
  if (!session) {
    throw new SignalingError('mediaServerUnavailable', `room ${room.id} has no media session right now; join again`);
  }
  return { room, userId: membership.userId, session };
};

/** A link may only point at another participant of the same room. */
export const assertLinkPeer = (context: ParticipantContext, link: MediaLink): void => {
  const peer = linkPeer(link);
  if (peer === undefined) return;
  if (peer === context.userId) {
    throw new SignalingError('invalidMessage', 'a subscription or upstream link must name another participant');
  }
  context.room.requireParticipant(peer);
};
