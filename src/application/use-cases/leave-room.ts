import { SignalingError, type ConnectionId, type DepartureReason } from '../../domain';
import type { RoomDeparture } from './room-departure';
import type { SeatHolds } from './seat-holds';
import type { KeyedMutex } from '../keyed-mutex';
import type { RoomRegistry } from '../room-registry';
import type { RoomId } from '../../domain';


/** A participant leaves on purpose (`leaveRoom`), or its connection is gone, or an operator removes it. */
export class LeaveRoom {
  constructor(
    private readonly registry: RoomRegistry,
    private readonly locks: KeyedMutex<RoomId>,
    private readonly departure: RoomDeparture,
    private readonly seats: SeatHolds,
  ) {}

  /** Resolves once the participant is gone; the inbound adapter acknowledges the request. */
  async execute(command: { readonly connectionId: ConnectionId }): Promise<void> {
    const left = await this.remove(command.connectionId, 'left');
    if (!left) throw new SignalingError('notInRoom', 'this connection is not in a room');
  }

  /**
   * The connection closed; nothing to tell it. A resumable participant keeps its seat for the grace
   * period, unless the node threw it out for misbehaving (`mayHoldSeat: false`); anyone else departs at
   * once. Safe to call for connections that never joined. True when the seat is now held.
   */
  async connectionLost(connectionId: ConnectionId, options: { readonly mayHoldSeat?: boolean } = {}): Promise<boolean> {
    const membership = this.registry.membership(connectionId);
    if (!membership) return false;
    return this.locks.run(membership.roomId, async () => {
      const room = this.registry.room(membership.roomId);
      const participant = room?.find(membership.userId);
      if (!room || participant?.connectionId !== connectionId) return false;
      if (options.mayHoldSeat !== false && this.seats.canHold(participant)) {
        await this.seats.holdLocked(room, participant);
        return true;
      }
      await this.departure.depart(room, membership.userId, connectionId, 'dropped');
      return false;
    });
  }

  /** Removes whoever this connection is, for any reason; false if it was in no room. */
  async remove(connectionId: ConnectionId, reason: DepartureReason): Promise<boolean> {
    const membership = this.registry.membership(connectionId);
    if (!membership) return false;
    return this.locks.run(membership.roomId, async () => {
      const room = this.registry.room(membership.roomId);
      if (!room) return false;
      return this.departure.depart(room, membership.userId, connectionId, reason);
    });
  }
}
