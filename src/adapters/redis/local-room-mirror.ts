import type { ConnectionId, MediaState, RoomId, UserId } from '../../domain';
import type { MemberRecord, RoomHeader, RoomRecord } from '../../application';

interface MirroredRoom {
  roomId: RoomId;
  communityId: string;
  mediaRef: string | undefined;
  readonly members: Map<UserId, MemberRecord>;
}

/**
 * The rooms and members this node has told the store about, kept in this process whatever Redis said.
 * Every change the core makes to its RoomRegistry goes through the store port (join, leave, media
 * state, close), so this is the registry's content in the store's shape: what the node writes back
 * when Redis returns, without the store having to reach into the core.
 */
export class LocalRoomMirror {
  private readonly rooms = new Map<RoomId, MirroredRoom>();
  private participants = 0;

  join(header: RoomHeader, member: MemberRecord): void {
    let room = this.rooms.get(header.roomId);
    if (!room) {
      room = { roomId: header.roomId, communityId: header.communityId, mediaRef: undefined, members: new Map() };
      this.rooms.set(header.roomId, room);
    }
    room.communityId = header.communityId;
    // Same rule as the join script: no property keeps the ref, an explicit undefined clears it.
    if (header.mediaRef !== undefined || 'mediaRef' in header) room.mediaRef = header.mediaRef;
    if (!room.members.has(member.userId)) this.participants += 1;
    room.members.set(member.userId, member);
  }

  /** Removes the member if it is still reached through `connectionId`; forgets the room with its last member. */
  leave(roomId: RoomId, userId: UserId, connectionId: ConnectionId): void {
    const room = this.rooms.get(roomId);
    if (room?.members.get(userId)?.connectionId !== connectionId) return;
    room.members.delete(userId);
    this.participants -= 1;
    if (room.members.size === 0) this.rooms.delete(roomId);
  }

  setMediaState(roomId: RoomId, userId: UserId, state: MediaState): void {
    const room = this.rooms.get(roomId);
    const member = room?.members.get(userId);
    if (room && member) room.members.set(userId, { ...member, audio: state.audio, video: state.video });
  }

  close(roomId: RoomId): void {
    const room = this.rooms.get(roomId);
    if (!room) return;
    this.participants -= room.members.size;
    this.rooms.delete(roomId);
  }

  has(roomId: RoomId): boolean {
    return this.rooms.has(roomId);
  }

  roomIds(): RoomId[] {
    return [...this.rooms.keys()];
  }

  get participantCount(): number {
    return this.participants;
  }

  record(roomId: RoomId, nodeId: string): RoomRecord | undefined {
    const room = this.rooms.get(roomId);
    if (!room) return undefined;
    return {
      roomId: room.roomId,
      communityId: room.communityId,
      nodeId,
      ...(room.mediaRef !== undefined ? { mediaRef: room.mediaRef } : {}),
      members: [...room.members.values()],
    };
  }
}
