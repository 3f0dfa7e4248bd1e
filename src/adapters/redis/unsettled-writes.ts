import type { ConnectionId, RoomId, UserId } from '../../domain';
import type { DepartedRoom } from '../../application';

/**
 * A room's first write on this node (a join or resume) that failed without an answer: Redis may have
 * applied it. If it did, and the record was one another holder left, this node took that record over
 * under its lease, seats held for the other members included. Closing such a room must give the record
 * up as an abandoned one (the seats stay, for their owners to resume anywhere), never delete it.
 */
export interface UnsettledWrite {
  /** The lease epoch the write was sent under: the record's epoch if it was applied. */
  readonly epoch: string;
  /** The joiner whose join failed (none for a resume: the resumer's seat is one of those held). */
  readonly joiner?: { readonly userId: UserId; readonly connectionId: ConnectionId };
}

/** Rooms with an unsettled first write, until the room is given up or written again from scratch. */
export class UnsettledWrites {
  private readonly rooms = new Map<RoomId, UnsettledWrite>();

  note(roomId: RoomId, write: UnsettledWrite): void {
    this.rooms.set(roomId, write);
  }

  of(roomId: RoomId): UnsettledWrite | undefined {
    return this.rooms.get(roomId);
  }

  settle(roomId: RoomId): void {
    this.rooms.delete(roomId);
  }
}

/**
 * What giving up an unsettled room removed, less the joiner whose join failed: it was refused to its
 * client and never reported to anyone, so it is not reported gone either.
 */
export const departedBesidesJoiner = (departed: DepartedRoom | undefined, write: UnsettledWrite): DepartedRoom | undefined => {
  if (!departed) return undefined;
  const joiner = write.joiner;
  const members = joiner
    ? departed.record.members.filter((m) => m.userId !== joiner.userId || m.connectionId !== joiner.connectionId)
    : departed.record.members;
  return members.length > 0 ? { ...departed, record: { ...departed.record, members } } : undefined;
};
