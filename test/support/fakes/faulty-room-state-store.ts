import { InMemoryRoomStateStore } from '../../../src/adapters/memory/in-memory-room-state-store';
import type { DepartedRoom, JoinReceipt, LeaveReceipt, MemberRecord, ResumeReceipt, RoomHeader, RoomRecord, RoomStateStore, SeatResume } from '../../../src/application';
import type { ConnectionId, MediaState, RoomId, UserId } from '../../../src/domain';

export type StoreMethod =
  | 'recordJoin'
  | 'recordLeave'
  | 'recordMediaState'
  | 'recordReconnecting'
  | 'recordResume'
  | 'recordRoomClosed'
  | 'recordRoomAbandoned';

export interface StoreCall {
  readonly method: StoreMethod;
  readonly roomId: RoomId;
  readonly userId?: UserId;
}

/**
 * The real InMemoryRoomStateStore, with calls recorded and the option to make the next write of a kind
 * fail before it reaches the store (as an unreachable Redis would).
 */
export class FaultyRoomStateStore implements RoomStateStore {
  readonly inner: InMemoryRoomStateStore;
  readonly calls: StoreCall[] = [];
  private readonly failures = new Map<StoreMethod, unknown[]>();
  private readonly replacements: DepartedRoom[] = [];
  private readonly takeovers: { roomId: RoomId; record: RoomRecord; replaced?: DepartedRoom; held: MemberRecord[] }[] = [];
  private readonly leaveOutcomes: LeaveReceipt['outcome'][] = [];
  /** Whether an abandoned room's record was still this node's (so it removes it and returns it). */
  abandonedStillOurs = false;

  constructor(
    nodeId = 'node-test',
    private readonly now: () => number = Date.now,
  ) {
    this.inner = new InMemoryRoomStateStore(nodeId, now);
  }

  /** The next join replaces this record (as a join taking over a dead host's room does). */
  replaceOnNextJoin(departed: DepartedRoom): this {
    this.replacements.push(departed);
    return this;
  }

  /**
   * As a Redis store holding a record a dead host left: `record` is what getRoom shows until a join or a
   * resume takes the room over, which then holds `held` (seats with heldForMs) and reports `replaced`.
   */
  leftByDeadHost(record: RoomRecord, held: MemberRecord[], replaced?: DepartedRoom): this {
    this.takeovers.push({ roomId: record.roomId, record, held, ...(replaced ? { replaced } : {}) });
    return this;
  }

  /** The next leave reports this outcome instead of `recorded`. */
  nextLeaveOutcome(outcome: LeaveReceipt['outcome']): this {
    this.leaveOutcomes.push(outcome);
    return this;
  }

  failNext(method: StoreMethod, error: unknown): this {
    const queue = this.failures.get(method) ?? [];
    queue.push(error);
    this.failures.set(method, queue);
    return this;
  }

  callsOf(method: StoreMethod): readonly StoreCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  async recordJoin(room: RoomHeader, member: MemberRecord): Promise<JoinReceipt> {
    this.calls.push({ method: 'recordJoin', roomId: room.roomId, userId: member.userId });
    this.maybeFail('recordJoin');
    const takeover = this.takeOver(room);
    const receipt = await this.inner.recordJoin(room, member);
    if (takeover) return { ...receipt, ...(takeover.replaced ? { replaced: takeover.replaced } : {}), held: takeover.held };
    const replaced = this.replacements.shift();
    return replaced ? { ...receipt, replaced } : receipt;
  }

  async recordReconnecting(roomId: RoomId, userId: UserId, connectionId: ConnectionId, heldForMs: number): Promise<void> {
    this.calls.push({ method: 'recordReconnecting', roomId, userId });
    this.maybeFail('recordReconnecting');
    await this.inner.recordReconnecting(roomId, userId, connectionId, heldForMs);
  }

  async recordResume(room: RoomHeader, resume: SeatResume): Promise<ResumeReceipt> {
    this.calls.push({ method: 'recordResume', roomId: room.roomId, userId: resume.userId });
    this.maybeFail('recordResume');
    const pending = this.takeovers.find((t) => t.roomId === room.roomId);
    if (pending) {
      const own = pending.record.members.find((m) => m.userId === resume.userId);
      if (!own?.seat || own.seat.proof !== resume.proof) return { outcome: 'refused' };
      this.takeOver(room);
      for (const held of pending.held) await this.inner.recordJoin(room, held);
      const { seat, ...rest } = own;
      const member: MemberRecord = { ...rest, connectionId: resume.connectionId, seat: { proof: resume.nextProof, ...(seat.notAfter !== undefined ? { notAfter: seat.notAfter } : {}) } };
      await this.inner.recordJoin(room, member);
      return { outcome: 'resumed', member, held: pending.held, ...(pending.replaced ? { replaced: pending.replaced } : {}) };
    }
    return this.inner.recordResume(room, resume);
  }

  private takeOver(room: RoomHeader): { replaced?: DepartedRoom; held: MemberRecord[] } | undefined {
    const index = this.takeovers.findIndex((t) => t.roomId === room.roomId);
    if (index < 0) return undefined;
    return this.takeovers.splice(index, 1)[0];
  }

  async recordLeave(roomId: RoomId, userId: UserId, connectionId: ConnectionId): Promise<LeaveReceipt> {
    this.calls.push({ method: 'recordLeave', roomId, userId });
    this.maybeFail('recordLeave');
    const receipt = await this.inner.recordLeave(roomId, userId, connectionId);
    const outcome = this.leaveOutcomes.shift();
    return outcome ? { ...receipt, outcome } : receipt;
  }

  async recordMediaState(roomId: RoomId, userId: UserId, state: MediaState): Promise<void> {
    this.calls.push({ method: 'recordMediaState', roomId, userId });
    this.maybeFail('recordMediaState');
    await this.inner.recordMediaState(roomId, userId, state);
  }

  async recordRoomClosed(roomId: RoomId): Promise<void> {
    this.calls.push({ method: 'recordRoomClosed', roomId });
    this.maybeFail('recordRoomClosed');
    await this.inner.recordRoomClosed(roomId);
  }

  async recordRoomAbandoned(roomId: RoomId): Promise<DepartedRoom | undefined> {
    this.calls.push({ method: 'recordRoomAbandoned', roomId });
    this.maybeFail('recordRoomAbandoned');
    const record = await this.inner.getRoom(roomId);
    await this.inner.recordRoomAbandoned(roomId);
    return record && this.abandonedStillOurs ? { record, at: this.now() } : undefined;
  }

  async getRoom(roomId: RoomId): Promise<RoomRecord | undefined> {
    return this.takeovers.find((t) => t.roomId === roomId)?.record ?? this.inner.getRoom(roomId);
  }

  listRooms(): Promise<readonly RoomRecord[]> {
    return this.inner.listRooms();
  }

  isAvailable(): boolean {
    return this.inner.isAvailable();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  private maybeFail(method: StoreMethod): void {
    const queue = this.failures.get(method);
    if (queue && queue.length > 0) throw queue.shift();
  }
}
