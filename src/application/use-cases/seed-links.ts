import { PUBLISH, SignalingError, subscribeTo, type ConnectionId, type MediaLink, type UserId } from '../../domain';
import type { RoomRegistry } from '../room-registry';

/**
 * The seed names a link by whose media it carries: `userId` equal to the sender's own id means its
 * publish link, any other its subscription to that user. Only the core knows who the sender is.
 */
export class SeedLinks {
  constructor(private readonly registry: RoomRegistry) {}

  linkFor(connectionId: ConnectionId, userId: UserId): MediaLink {
    const self = this.registry.membership(connectionId)?.userId;
    if (self === undefined) throw new SignalingError('notInRoom', 'join a room first (joinRoom)');
    return userId === self ? PUBLISH : subscribeTo(userId);
  }
}
