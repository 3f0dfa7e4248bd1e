import type { ConnectionId, DepartureReason, Room, UserId } from '../../domain';
import type { LeaveReceipt } from '../ports';
import type { ClientNotifier, Clock, Logger, MediaGateway, PresenceNotifier, RoomPlacement, RoomStateStore } from '../ports';
import type { RoomRegistry } from '../room-registry';


/**
 * Takes a participant out of a room and frees what it held, whatever the reason. Shared by leave, drop,
 * takeover, kick and media loss so that none of them forgets a step (the seed's leave forgot Redis,
 * presence and the room itself). Callers hold the room's lock.
 */
export class RoomDeparture {
  constructor(
    private readonly registry: RoomRegistry,
    private readonly media: MediaGateway,
    private readonly store: RoomStateStore,
    private readonly placement: RoomPlacement,
    private readonly clients: ClientNotifier,
    private readonly presence: PresenceNotifier,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async depart(
    room: Room,
    userId: UserId,
    connectionId: ConnectionId,
    reason: DepartureReason,
    options: { keepRoomOpen?: boolean } = {},
  ): Promise<boolean> {
    const { registry, media, store, clients, presence, clock, logger } = this;
    const participant = room.remove(userId, connectionId);
    if (!participant) return false;
    registry.unbind(connectionId);

    const session = room.mediaSession;
    // After a media loss the backend has already forgotten the session; asking it again only waits.
    if (session && reason !== 'mediaLost') {
      await media.removeParticipant(session, userId).catch((error: unknown) =>
        logger.warn({ err: error, roomId: room.id, userId }, 'media backend failed to free a participant'),
      );
    }
    const receipt = await store.recordLeave(room.id, userId, connectionId).catch((error: unknown): LeaveReceipt => {
      logger.error({ err: error, roomId: room.id, userId }, 'state store failed to record a departure');
      return { at: clock.now(), outcome: 'deferred' };
    });
    if (receipt.outcome === 'deferred') {
      logger.warn({ roomId: room.id, userId }, 'state store did not record a departure yet; it is written when the store is back');
    }
    for (const other of room.participants()) {
      clients.send(other.connectionId, { type: 'participantLeft', userId });
    }
    // Another node took the room over, and whoever replaced its record reported this member already.
    if (receipt.outcome !== 'notHeld') {
      presence.notify({ type: 'participantDeparted', roomId: room.id, communityId: room.communityId, userId, reason, at: receipt.at });
    }
    logger.info({ roomId: room.id, userId, reason, remaining: room.size }, 'participant departed');

    if (room.isEmpty && !options.keepRoomOpen) await this.closeRoom(room);
    return true;
  }

  /** Frees an empty room's media session, shared record and placement. */
  async closeRoom(room: Room): Promise<void> {
    const { registry, media, store, placement, logger } = this;
    registry.removeRoom(room.id);
    const session = room.detachMedia();
    const steps: Promise<unknown>[] = [
      store.recordRoomClosed(room.id),
      placement.release(room.id),
    ];
    if (session) steps.push(media.closeSession(session));
    const results = await Promise.allSettled(steps);
    for (const result of results) {
      if (result.status === 'rejected') logger.warn({ err: result.reason, roomId: room.id }, 'room close step failed');
    }
    logger.info({ roomId: room.id }, 'room closed');
  }
}
