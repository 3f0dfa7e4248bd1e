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

/** A room record removed in one step with everyone in it; its members departed at `at`. */
export interface DepartedRoom {
  readonly record: RoomRecord;
  /** The store's time of the removal: see `JoinReceipt.at`. */
  readonly at: number;
}

export interface JoinReceipt {
  /**
   * When the join took effect, for presence. The store's own clock, and later than the time of every
   * earlier change of the same room whichever node made it, so a receiver can order one user's events in
   * one room by it even when they reach it through different nodes.
   */
  readonly at: number;
  /** The record a dead host left behind, which this join replaced: its members are gone with that host. */
  readonly replaced?: DepartedRoom;
}

/**
 * - `recorded`: the shared record no longer has the member.
 * - `deferred`: the store could not be reached; the departure is kept and written when it is back.
 * - `notHeld`: another node holds the room now; whoever took the record over reported its members.
 */
export type LeaveOutcome = 'recorded' | 'deferred' | 'notHeld';

export interface LeaveReceipt {
  /** When the member left, for presence (see `JoinReceipt.at`). */
  readonly at: number;
  readonly outcome: LeaveOutcome;
}

/**
 * The shared record of rooms and members, for other nodes, placement and recovery. Each hosting node
 * keeps the live rooms in memory and mirrors every change here; every method is one atomic step, so a
 * crash between two calls never leaves half a join. A write for a room this node no longer holds is
 * refused (`roomMoved`), never applied.
 */
export interface RoomStateStore {
  /** Rejects with `stateStoreUnavailable`, `wrongNode` or `roomMoved`; nothing is recorded then. */
  recordJoin(room: RoomHeader, member: MemberRecord): Promise<JoinReceipt>;
  /**
   * Removes the member only while it is still reached through `connectionId`; removes the room with its
   * last member. Never fails for an unreachable store: the departure is then `deferred`.
   */
  recordLeave(roomId: RoomId, userId: UserId, connectionId: ConnectionId): Promise<LeaveReceipt>;
  recordMediaState(roomId: RoomId, userId: UserId, state: MediaState): Promise<void>;
  recordRoomClosed(roomId: RoomId): Promise<void>;
  /**
   * This node gave the room up because another node holds it now. Forgets the room here and removes the
   * shared record only if it is still the one this node wrote (nobody replaced it yet); returns what it
   * removed, whose members this node must then report gone.
   */
  recordRoomAbandoned(roomId: RoomId): Promise<DepartedRoom | undefined>;
  getRoom(roomId: RoomId): Promise<RoomRecord | undefined>;
  listRooms(): Promise<readonly RoomRecord[]>;
  isAvailable(): boolean;
  shutdown(): Promise<void>;
}
