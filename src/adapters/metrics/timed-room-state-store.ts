import type { DepartedRoom, JoinReceipt, LeaveReceipt, MemberRecord, ResumeReceipt, RoomHeader, RoomRecord, RoomStateStore, SeatResume } from '../../application';
import type { ConnectionId, MediaState, RoomId, UserId } from '../../domain';
import { OperationTimer } from './operation-timer';
import type { SignalingMetrics } from './signaling-metrics';

/** A RoomStateStore that times every call: with Redis, this is the Redis latency the core sees. */
export class TimedRoomStateStore implements RoomStateStore {
  private readonly timer: OperationTimer;

  constructor(
    private readonly inner: RoomStateStore,
    metrics: SignalingMetrics,
  ) {
    this.timer = new OperationTimer(metrics.stateStoreSeconds);
  }

  private timed<T>(operation: string, work: () => Promise<T>): Promise<T> {
    return this.timer.time(operation, work);
  }

  recordJoin(room: RoomHeader, member: MemberRecord): Promise<JoinReceipt> {
    return this.timed('recordJoin', () => this.inner.recordJoin(room, member));
  }
  recordLeave(roomId: RoomId, userId: UserId, connectionId: ConnectionId): Promise<LeaveReceipt> {
    return this.timed('recordLeave', () => this.inner.recordLeave(roomId, userId, connectionId));
  }
  recordMediaState(roomId: RoomId, userId: UserId, state: MediaState): Promise<void> {
    return this.timed('recordMediaState', () => this.inner.recordMediaState(roomId, userId, state));
  }
  recordReconnecting(roomId: RoomId, userId: UserId, connectionId: ConnectionId, heldForMs: number): Promise<void> {
    return this.timed('recordReconnecting', () => this.inner.recordReconnecting(roomId, userId, connectionId, heldForMs));
  }
  recordResume(room: RoomHeader, resume: SeatResume): Promise<ResumeReceipt> {
    return this.timed('recordResume', () => this.inner.recordResume(room, resume));
  }
  recordRoomClosed(roomId: RoomId): Promise<void> {
    return this.timed('recordRoomClosed', () => this.inner.recordRoomClosed(roomId));
  }
  recordRoomAbandoned(roomId: RoomId): Promise<DepartedRoom | undefined> {
    return this.timed('recordRoomAbandoned', () => this.inner.recordRoomAbandoned(roomId));
  }
  getRoom(roomId: RoomId): Promise<RoomRecord | undefined> {
    return this.timed('getRoom', () => this.inner.getRoom(roomId));
  }
  listRooms(): Promise<readonly RoomRecord[]> {
    return this.timed('listRooms', () => this.inner.listRooms());
  }
  isAvailable(): boolean {
    return this.inner.isAvailable();
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
