import { isReconnecting, SignalingError, type CommunityId, type RoomId, type UserId } from '../../domain';
import type { RoomDeparture } from './room-departure';
import type { ClientNotifier, Logger, RoomPlacement } from '../ports';
import type { KeyedMutex } from '../keyed-mutex';
import type { RoomRegistry } from '../room-registry';

export interface AdminParticipantView {
  readonly userId: UserId;
  readonly audio: boolean;
  readonly video: boolean;
  readonly joinedAt: number;
  /** Its connection dropped and its seat is held for it to resume. */
  readonly reconnecting: boolean;
}

export interface AdminRoomView {
  readonly roomId: RoomId;
  readonly communityId: CommunityId;
  readonly capacity: number;
  /**
   * False while this node cannot vouch for its hold on the room (it was paused and has not checked yet):
   * nothing is relayed in it until it has, and it is given up if another node took it meanwhile.
   */
  readonly serving: boolean;
  readonly participants: readonly AdminParticipantView[];
}


/**
 * What an operator may do to the rooms of this node: look at them, remove one participant, close a room.
 * Removal goes through the normal departure so media, shared state and presence are freed as on a leave;
 * the removed client is told `kicked` and disconnected, the others hear `participantLeft`.
 */
export class AdminModeration {
  constructor(
    private readonly registry: RoomRegistry,
    private readonly locks: KeyedMutex<RoomId>,
    private readonly clients: ClientNotifier,
    private readonly placement: RoomPlacement,
    private readonly logger: Logger,
    private readonly departure: RoomDeparture,
  ) {}

  listRooms(): readonly AdminRoomView[] {
    return this.registry
      .allRooms()
      .map((room) => ({
        roomId: room.id,
        communityId: room.communityId,
        capacity: room.capacity,
        serving: this.placement.isHoldConfirmed(room.id),
        participants: room
          .participants()
          .map((p) => ({ userId: p.userId, audio: p.audio, video: p.video, joinedAt: p.joinedAt, reconnecting: isReconnecting(p) })),
      }))
      .sort((a, b) => (a.roomId < b.roomId ? -1 : a.roomId > b.roomId ? 1 : 0));
  }

  /** Throws `notInRoom` when the room or the user is not on this node. */
  async kick(roomId: RoomId, userId: UserId, reason = 'removed by an operator'): Promise<void> {
    const { registry, locks, clients, logger } = this;
    await locks.run(roomId, async () => {
      const room = registry.room(roomId);
      const participant = room?.find(userId);
      if (!room || !participant) throw new SignalingError('notInRoom', `user ${userId} is not in room ${roomId} on this node`);
      clients.disconnect(participant.connectionId, 'kicked', reason, { roomId });
      await this.departure.depart(room, userId, participant.connectionId, 'kicked');
      logger.info({ roomId, userId }, 'participant kicked by an operator');
    });
  }

  /** Removes everyone (each told `kicked`) and frees the room; returns how many were removed. */
  async closeRoom(roomId: RoomId, reason = 'the room was closed by an operator'): Promise<number> {
    const { registry, locks, clients, logger } = this;
    return locks.run(roomId, async () => {
      const room = registry.room(roomId);
      if (!room) throw new SignalingError('notInRoom', `room ${roomId} is not open on this node`);
      let removed = 0;
      for (const p of room.participants()) {
        clients.disconnect(p.connectionId, 'kicked', reason, { roomId, roomClosed: true });
        if (await this.departure.depart(room, p.userId, p.connectionId, 'roomClosed')) removed += 1;
      }
      // A room emptied by the loop is already closed by the last departure; one left open is closed here.
      if (registry.room(roomId) === room) await this.departure.closeRoom(room);
      logger.info({ roomId, removed }, 'room closed by an operator');
      return removed;
    });
  }
}
