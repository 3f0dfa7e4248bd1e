import type { ConnectionId, MediaState, RoomId, UserId } from '../../domain';
import type {
  DepartedRoom,
  JoinReceipt,
  LeaveReceipt,
  MemberRecord,
  ResumeReceipt,
  RoomHeader,
  RoomRecord,
  RoomStateStore,
  SeatResume,
} from '../../application';

interface StoredMember {
  record: MemberRecord;
  /** While the member is reconnecting: its seat is held until then (ms). */
  heldUntil?: number;
}

/** The embedded default for a single node: the shared record lives in this process only. */
export class InMemoryRoomStateStore implements RoomStateStore {
  private readonly rooms = new Map<RoomId, { header: RoomHeader; members: Map<UserId, StoredMember> }>();
  private lastStamp = 0;

  constructor(
    private readonly nodeId: string,
    private readonly now: () => number = Date.now,
  ) {}

  async recordJoin(room: RoomHeader, member: MemberRecord): Promise<JoinReceipt> {
    const entry = this.rooms.get(room.roomId) ?? { header: room, members: new Map<UserId, StoredMember>() };
    entry.header = { ...entry.header, ...room };
    entry.members.set(member.userId, { record: withoutHold(member) });
    this.rooms.set(room.roomId, entry);
    return { at: this.stamp() };
  }

  async recordLeave(roomId: RoomId, userId: UserId, connectionId: ConnectionId): Promise<LeaveReceipt> {
    const entry = this.rooms.get(roomId);
    if (entry?.members.get(userId)?.record.connectionId === connectionId) {
      entry.members.delete(userId);
      if (entry.members.size === 0) this.rooms.delete(roomId);
    }
    return { at: this.stamp(), outcome: 'recorded' };
  }

  async recordMediaState(roomId: RoomId, userId: UserId, state: MediaState): Promise<void> {
    const member = this.rooms.get(roomId)?.members.get(userId);
    if (member) member.record = { ...member.record, audio: state.audio, video: state.video };
  }

  async recordReconnecting(roomId: RoomId, userId: UserId, connectionId: ConnectionId, heldForMs: number): Promise<void> {
    const member = this.rooms.get(roomId)?.members.get(userId);
    const seat = member?.record.seat;
    if (!member || !seat || member.record.connectionId !== connectionId) return;
    member.heldUntil = Math.min(this.now() + heldForMs, seat.notAfter ?? Number.POSITIVE_INFINITY);
  }

  /** One node hosts every room, so there is never a dead host's record to take over. */
  async recordResume(room: RoomHeader, resume: SeatResume): Promise<ResumeReceipt> {
    const member = this.rooms.get(room.roomId)?.members.get(resume.userId);
    const seat = member?.record.seat;
    const now = this.now();
    if (!member || !seat || seat.proof !== resume.proof) return { outcome: 'refused' };
    if ((seat.notAfter ?? Number.POSITIVE_INFINITY) <= now || (member.heldUntil !== undefined && member.heldUntil <= now)) {
      return { outcome: 'refused' };
    }
    member.record = { ...member.record, connectionId: resume.connectionId, seat: { ...seat, proof: resume.nextProof } };
    delete member.heldUntil;
    return { outcome: 'resumed', member: member.record };
  }

  async recordRoomClosed(roomId: RoomId): Promise<void> {
    this.rooms.delete(roomId);
  }

  /** One node holds every room, so none is ever taken over; nothing to give up. */
  async recordRoomAbandoned(roomId: RoomId): Promise<DepartedRoom | undefined> {
    this.rooms.delete(roomId);
    return undefined;
  }

  async getRoom(roomId: RoomId): Promise<RoomRecord | undefined> {
    const entry = this.rooms.get(roomId);
    return entry && this.toRecord(entry.header, entry.members);
  }

  async listRooms(): Promise<readonly RoomRecord[]> {
    return [...this.rooms.values()].map((e) => this.toRecord(e.header, e.members));
  }

  isAvailable(): boolean {
    return true;
  }

  async shutdown(): Promise<void> {
    this.rooms.clear();
  }

  /** Presence times from this node's clock, strictly increasing, so one user's events never tie. */
  private stamp(): number {
    this.lastStamp = Math.max(this.now(), this.lastStamp + 1);
    return this.lastStamp;
  }

  private toRecord(header: RoomHeader, members: Map<UserId, StoredMember>): RoomRecord {
    const now = this.now();
    return {
      roomId: header.roomId,
      communityId: header.communityId,
      nodeId: this.nodeId,
      ...(header.mediaRef !== undefined ? { mediaRef: header.mediaRef } : {}),
      members: [...members.values()].map(({ record, heldUntil }) =>
        heldUntil !== undefined && record.seat ? { ...record, seat: { ...record.seat, heldForMs: heldUntil - now } } : record,
      ),
    };
  }
}

/** What a join writes: the seat as issued, never a hold. */
const withoutHold = (member: MemberRecord): MemberRecord => {
  if (member.seat?.heldForMs === undefined) return member;
  const { heldForMs: _, ...seat } = member.seat;
  return { ...member, seat };
};
