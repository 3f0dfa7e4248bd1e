import { InMemoryRoomStateStore } from '../../../src/adapters/memory/in-memory-room-state-store';
import type { DepartedRoom, JoinReceipt, LeaveReceipt, MemberRecord, RoomHeader, RoomRecord, RoomStateStore } from '../../../src/application';
import type { ConnectionId, MediaState, RoomId, UserId } from '../../../src/domain';

export type StoreMethod = 'recordJoin' | 'recordLeave' | 'recordMediaState' | 'recordRoomClosed' | 'recordRoomAbandoned';

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
    const receipt = await this.inner.recordJoin(room, member);
    const replaced = this.replacements.shift();
    return replaced ? { ...receipt, replaced } : receipt;
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

  getRoom(roomId: RoomId): Promise<RoomRecord | undefined> {
    return this.inner.getRoom(roomId);
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
