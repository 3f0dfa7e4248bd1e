import type { ConnectionId, Room, RoomId, UserId } from '../domain';

export interface Membership {
  readonly roomId: RoomId;
  readonly userId: UserId;
}

/** The rooms this node hosts, and which connection is which participant. In process memory, by design. */
export class RoomRegistry {
  private readonly rooms = new Map<RoomId, Room>();
  private readonly memberships = new Map<ConnectionId, Membership>();

  room(roomId: RoomId): Room | undefined {
    return this.rooms.get(roomId);
  }

  allRooms(): readonly Room[] {
    return [...this.rooms.values()];
  }

  addRoom(room: Room): void {
    this.rooms.set(room.id, room);
  }

  removeRoom(roomId: RoomId): void {
    this.rooms.delete(roomId);
  }

  membership(connectionId: ConnectionId): Membership | undefined {
    return this.memberships.get(connectionId);
  }

  bind(connectionId: ConnectionId, membership: Membership): void {
    this.memberships.set(connectionId, membership);
  }

  unbind(connectionId: ConnectionId): void {
    this.memberships.delete(connectionId);
  }

  get roomCount(): number {
    return this.rooms.size;
  }

  get participantCount(): number {
    return this.memberships.size;
  }
}
