import { InMemoryRoomStateStore } from '../../../src/adapters/memory/in-memory-room-state-store';
import type { MemberRecord, RoomHeader, RoomRecord, RoomStateStore } from '../../../src/application';
import type { ConnectionId, MediaState, RoomId, UserId } from '../../../src/domain';

export type StoreMethod = 'recordJoin' | 'recordLeave' | 'recordMediaState' | 'recordRoomClosed';

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

  constructor(nodeId = 'node-test') {
    this.inner = new InMemoryRoomStateStore(nodeId);
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

  async recordJoin(room: RoomHeader, member: MemberRecord): Promise<void> {
    this.calls.push({ method: 'recordJoin', roomId: room.roomId, userId: member.userId });
    this.maybeFail('recordJoin');
    await this.inner.recordJoin(room, member);
  }

  async recordLeave(roomId: RoomId, userId: UserId, connectionId: ConnectionId): Promise<void> {
    this.calls.push({ method: 'recordLeave', roomId, userId });
    this.maybeFail('recordLeave');
    await this.inner.recordLeave(roomId, userId, connectionId);
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
