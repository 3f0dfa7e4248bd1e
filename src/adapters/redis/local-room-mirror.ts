import type { ConnectionId, MediaState, RoomId, UserId } from '../../domain';
import type { MemberRecord, RoomHeader, RoomRecord } from '../../application';

interface MirroredMember {
  record: MemberRecord;
  /** While the member is reconnecting: its seat is held until then (this process's clock, ms). */
  heldUntil?: number;
}

interface MirroredRoom {
  roomId: RoomId;
  communityId: string;
  mediaRef: string | undefined;
  resumeGraceMs: number;
  readonly members: Map<UserId, MirroredMember>;
}

/**
 * The rooms and members this node has told the store about, kept in this process whatever Redis said.
 * Every change the core makes to its RoomRegistry goes through the store port (join, leave, media
 * state, held seats, resumes, close), so this is the registry's content in the store's shape: what the
 * node writes back when Redis returns, without the store having to reach into the core.
 */
export class LocalRoomMirror {
  private readonly rooms = new Map<RoomId, MirroredRoom>();
  private participants = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** A member joined (or, with `heldForMs`, a seat of a room taken over is held here for it). */
  join(header: RoomHeader, member: MemberRecord): void {
    let room = this.rooms.get(header.roomId);
    if (!room) {
      room = { roomId: header.roomId, communityId: header.communityId, mediaRef: undefined, resumeGraceMs: 0, members: new Map() };
      this.rooms.set(header.roomId, room);
    }
    room.communityId = header.communityId;
    if (header.resumeGraceMs !== undefined) room.resumeGraceMs = header.resumeGraceMs;
    // Same rule as the join script: no property keeps the ref, an explicit undefined clears it.
    if (header.mediaRef !== undefined || 'mediaRef' in header) room.mediaRef = header.mediaRef;
    if (!room.members.has(member.userId)) this.participants += 1;
    const heldForMs = member.seat?.heldForMs;
    room.members.set(member.userId, {
      record: withoutHold(member),
      ...(heldForMs !== undefined ? { heldUntil: this.now() + heldForMs } : {}),
    });
  }

  /** Removes the member if it is still reached through `connectionId`; forgets the room with its last member. */
  leave(roomId: RoomId, userId: UserId, connectionId: ConnectionId): void {
    const room = this.rooms.get(roomId);
    if (room?.members.get(userId)?.record.connectionId !== connectionId) return;
    room.members.delete(userId);
    this.participants -= 1;
    if (room.members.size === 0) this.rooms.delete(roomId);
  }

  setMediaState(roomId: RoomId, userId: UserId, state: MediaState): void {
    const member = this.rooms.get(roomId)?.members.get(userId);
    if (member) member.record = { ...member.record, audio: state.audio, video: state.video };
  }

  /** The member's connection is gone; its seat is held for `heldForMs` (the core capped it at the token's expiry). */
  hold(roomId: RoomId, userId: UserId, connectionId: ConnectionId, heldForMs: number): void {
    const member = this.rooms.get(roomId)?.members.get(userId);
    if (!member?.record.seat || member.record.connectionId !== connectionId) return;
    member.heldUntil = this.now() + heldForMs;
  }

  /** The member came back on `connectionId`; its token's proof is now `proof`. */
  resume(roomId: RoomId, userId: UserId, connectionId: ConnectionId, proof: string): MemberRecord | undefined {
    const member = this.rooms.get(roomId)?.members.get(userId);
    if (!member?.record.seat) return undefined;
    member.record = { ...member.record, connectionId, seat: { ...member.record.seat, proof } };
    delete member.heldUntil;
    return member.record;
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

  resumeGraceMs(roomId: RoomId): number {
    return this.rooms.get(roomId)?.resumeGraceMs ?? 0;
  }

  /** The room as the store should hold it now; a held seat says how much longer it is held. */
  record(roomId: RoomId, nodeId: string): RoomRecord | undefined {
    const room = this.rooms.get(roomId);
    if (!room) return undefined;
    const now = this.now();
    return {
      roomId: room.roomId,
      communityId: room.communityId,
      nodeId,
      ...(room.mediaRef !== undefined ? { mediaRef: room.mediaRef } : {}),
      members: [...room.members.values()].map(({ record, heldUntil }) =>
        heldUntil !== undefined && record.seat ? { ...record, seat: { ...record.seat, heldForMs: Math.max(1, heldUntil - now) } } : record,
      ),
    };
  }
}

const withoutHold = (member: MemberRecord): MemberRecord => {
  if (member.seat?.heldForMs === undefined) return member;
  const { heldForMs: _, ...seat } = member.seat;
  return { ...member, seat };
};
