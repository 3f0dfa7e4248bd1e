import type { ConnectionId, MediaState, RoomId, UserId } from '../../domain';
import type { DepartedRoom, JoinReceipt, LeaveReceipt, MemberRecord, RoomHeader, RoomRecord, RoomStateStore } from '../../application';

/** The embedded default for a single node: the shared record lives in this process only. */
export class InMemoryRoomStateStore implements RoomStateStore {
  private readonly rooms = new Map<RoomId, { header: RoomHeader; members: Map<UserId, MemberRecord> }>();
  private lastStamp = 0;

  constructor(
    private readonly nodeId: string,
    private readonly now: () => number = Date.now,
  ) {}

  async recordJoin(room: RoomHeader, member: MemberRecord): Promise<JoinReceipt> {
    const entry = this.rooms.get(room.roomId) ?? { header: room, members: new Map<UserId, MemberRecord>() };
    entry.header = { ...entry.header, ...room };
    entry.members.set(member.userId, member);
    this.rooms.set(room.roomId, entry);
    return { at: this.stamp() };
  }

  async recordLeave(roomId: RoomId, userId: UserId, connectionId: ConnectionId): Promise<LeaveReceipt> {
    const entry = this.rooms.get(roomId);
    if (entry?.members.get(userId)?.connectionId === connectionId) {
      entry.members.delete(userId);
      if (entry.members.size === 0) this.rooms.delete(roomId);
    }
    return { at: this.stamp(), outcome: 'recorded' };
  }

  async recordMediaState(roomId: RoomId, userId: UserId, state: MediaState): Promise<void> {
    const entry = this.rooms.get(roomId);
    const member = entry?.members.get(userId);
    if (entry && member) entry.members.set(userId, { ...member, audio: state.audio, video: state.video });
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

  private toRecord(header: RoomHeader, members: Map<UserId, MemberRecord>): RoomRecord {
    return {
      roomId: header.roomId,
      communityId: header.communityId,
      nodeId: this.nodeId,
      ...(header.mediaRef !== undefined ? { mediaRef: header.mediaRef } : {}),
      members: [...members.values()],
    };
  }
}
