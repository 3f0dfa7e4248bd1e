import type { CommunityId, ConnectionId, MediaState, RoomId, UserId } from '../../domain';

/** A resumable member's seat as the store keeps it. */
export interface SeatRecord {
  /** The proof of the member's current resume token (see ResumeTokens). */
  readonly proof: string;
  /** The seat is never held past this (ms since the epoch): the expiry of the member's join token. */
  readonly notAfter?: number;
  /** Set while the member's connection is gone: how much longer its seat is held, as of the read (ms). */
  readonly heldForMs?: number;
}

export interface MemberRecord extends MediaState {
  readonly userId: UserId;
  readonly connectionId: ConnectionId;
  readonly joinedAt: number;
  /** Present for a member that joined resumable. */
  readonly seat?: SeatRecord;
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
  /**
   * The room's participant limit. A join that takes over a room whose host died counts the seats still
   * held there, and is refused (`roomFull`, nothing written) when they leave no room for it.
   */
  readonly capacity?: number;
  /**
   * How long this host holds a dropped resumable member's seat. Kept with the room, so that when the host
   * dies the node that finds it gone holds the seats of its members as long, from that moment.
   */
  readonly resumeGraceMs?: number;
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
  /**
   * The record a dead host (or an earlier lease) left behind, which this join replaced: its members whose
   * seats are not held are gone with that host, and this node reports them.
   */
  readonly replaced?: DepartedRoom;
  /** Seats of that record still held: reconnecting members of the room here now, each until `seat.heldForMs`. */
  readonly held?: readonly MemberRecord[];
}

/** A connection asking for a seat back. */
export interface SeatResume {
  readonly userId: UserId;
  /** The proof of the token presented; it must be the seat's current one. */
  readonly proof: string;
  /** The new connection, which takes the seat over. */
  readonly connectionId: ConnectionId;
  /** The proof of the token issued with this resume; it replaces the used one at once (single use). */
  readonly nextProof: string;
}

export type ResumeReceipt =
  | {
      readonly outcome: 'resumed';
      /** The member as it is now, with its media state. */
      readonly member: MemberRecord;
      /** As for a join that took a room over: the members of a dead host's record whose seats were not held. */
      readonly replaced?: DepartedRoom;
      readonly held?: readonly MemberRecord[];
    }
  /** No such seat, another proof, the seat no longer held, or the token expired: nothing was written. */
  | { readonly outcome: 'refused' };

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
 * refused (`roomMoved`), never applied: the store fences writes by the placement's claim
 * (`RoomPlacement.claim` decides who hosts a room), it does not decide a host itself.
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
  /**
   * A resumable member's connection is gone: its seat is held for `heldForMs` more (never past its
   * token's expiry), while it is still reached through `connectionId`.
   */
  recordReconnecting(roomId: RoomId, userId: UserId, connectionId: ConnectionId, heldForMs: number): Promise<void>;
  /**
   * Gives a held seat to a new connection, in one atomic step that checks the proof and that the seat is
   * still held, and replaces the proof (so a token works once). On a room this node does not host yet, the
   * step also takes over the record a dead host left (as a join does), with `room` as its new header.
   * Rejects like `recordJoin` (`stateStoreUnavailable`, `wrongNode`, `roomMoved`).
   */
  recordResume(room: RoomHeader, resume: SeatResume): Promise<ResumeReceipt>;
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
