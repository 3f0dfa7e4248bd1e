import type { CommunityId, ConnectionId, MediaState, RoomId, UserId } from '../../domain';

export interface MemberRecord extends MediaState {
  readonly userId: UserId;
  readonly connectionId: ConnectionId;
  readonly joinedAt: number;
}

export interface RoomRecord {
  readonly roomId: RoomId;
  readonly communityId: CommunityId;
  /** The signaling node that hosts the room. */
  readonly nodeId: string;
  /** The media backend's id for the room's session (pipeline id, VideoRoom number), if any. */
  readonly mediaRef?: string;
  readonly members: readonly MemberRecord[];
}

export interface RoomHeader {
  readonly roomId: RoomId;
  readonly communityId: CommunityId;
  readonly mediaRef?: string;
}

/**
 * The shared record of rooms and members, for other nodes, placement and recovery. Each hosting node
 * keeps the live rooms in memory and mirrors every change here; every method is one atomic step, so a
 * crash between two calls never leaves half a join. Rejects with `stateStoreUnavailable` when the store
 * cannot be reached.
 */
export interface RoomStateStore {
  recordJoin(room: RoomHeader, member: MemberRecord): Promise<void>;
  /** Removes the member only while it is still reached through `connectionId`; removes the room with its last member. */
  recordLeave(roomId: RoomId, userId: UserId, connectionId: ConnectionId): Promise<void>;
  recordMediaState(roomId: RoomId, userId: UserId, state: MediaState): Promise<void>;
  recordRoomClosed(roomId: RoomId): Promise<void>;
  getRoom(roomId: RoomId): Promise<RoomRecord | undefined>;
  listRooms(): Promise<readonly RoomRecord[]>;
  isAvailable(): boolean;
  shutdown(): Promise<void>;
}
