import { isReconnecting, type Participant, type Room, type RoomId, type UserId } from '../../domain';
import type { MemberRecord, ScheduledTask } from '../ports';
import type { RoomDeparture } from './room-departure';
import type { ClientNotifier, Clock, Logger, RoomStateStore, Scheduler } from '../ports';
import type { KeyedMutex } from '../keyed-mutex';
import type { RoomRegistry } from '../room-registry';
import type { SignalingSettings } from '../signaling-settings';


const timerKey = (roomId: RoomId, userId: UserId): string => JSON.stringify([roomId, userId]);

/**
 * Seats kept for resumable participants whose connection dropped. Such a participant stays a member (it
 * counts toward capacity and keeps its media endpoints), the others hear `participantReconnecting`, and
 * presence hears nothing. When the grace period passes without a resume, it departs as any dropped
 * participant does (`participantLeft`, presence `signaling`).
 */
export class SeatHolds {
  private readonly timers = new Map<string, ScheduledTask>();

  constructor(
    private readonly registry: RoomRegistry,
    private readonly locks: KeyedMutex<RoomId>,
    private readonly store: RoomStateStore,
    private readonly clients: ClientNotifier,
    private readonly scheduler: Scheduler,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly settings: SignalingSettings,
    private readonly departure: RoomDeparture,
  ) {}

  /** Whether a dropped connection holds this participant's seat rather than ending its stay. */
  canHold(participant: Participant): boolean {
    const { settings, clock } = this;
    return settings.resumeGraceMs > 0 && participant.seat !== undefined && (participant.seat.notAfter ?? Number.POSITIVE_INFINITY) > clock.now();
  }

  /** Caller holds the room's lock. The participant's connection is gone: its seat is held from now. */
  async holdLocked(room: Room, participant: Participant): Promise<void> {
    const { registry, store, clients, clock, logger, settings } = this;
    const now = clock.now();
    const until = Math.min(now + settings.resumeGraceMs, participant.seat?.notAfter ?? Number.POSITIVE_INFINITY);
    const held = room.holdSeat(participant.userId, participant.connectionId, until);
    if (!held) return;
    registry.unbind(participant.connectionId);
    for (const other of room.others(held.userId)) {
      if (!isReconnecting(other)) clients.send(other.connectionId, { type: 'participantReconnecting', userId: held.userId });
    }
    this.expireAt(room, held);
    logger.info({ roomId: room.id, userId: held.userId, heldForMs: until - now }, 'participant reconnecting; seat held');
    await store
      .recordReconnecting(room.id, held.userId, held.connectionId, until - now)
      .catch((error: unknown) => logger.warn({ err: error, roomId: room.id, userId: held.userId }, 'state store did not record a held seat'));
  }

  /**
   * Caller holds the room's lock. Seats the store kept for members of a room this node just took over
   * (its host died): they join the room here as reconnecting members, each for what is left of its grace.
   */
  adoptLocked(room: Room, held: readonly MemberRecord[]): void {
    const now = this.clock.now();
    for (const record of held) {
      if (!record.seat || room.has(record.userId)) continue;
      const { seat, ...member } = record;
      const { heldForMs, ...kept } = seat;
      const participant: Participant = { ...member, seat: kept, reconnectingUntil: now + Math.max(0, heldForMs ?? 0) };
      try {
        room.admit(participant);
      } catch (error) {
        this.logger.warn({ err: error, roomId: room.id, userId: record.userId }, 'a held seat did not fit the room taken over');
        continue;
      }
      this.expireAt(room, participant);
    }
  }

  /** The participant came back (or is gone for another reason): its grace timer is not needed. */
  cancel(roomId: RoomId, userId: UserId): void {
    const key = timerKey(roomId, userId);
    this.timers.get(key)?.cancel();
    this.timers.delete(key);
  }

  /** Seats being held on this node now. */
  get size(): number {
    return this.timers.size;
  }

  private expireAt(room: Room, held: Participant): void {
    const { registry, locks, scheduler, clock, logger } = this;
    const key = timerKey(room.id, held.userId);
    this.timers.get(key)?.cancel();
    const delay = Math.max(0, (held.reconnectingUntil ?? 0) - clock.now());
    const task = scheduler.schedule(delay, () => {
      if (this.timers.get(key) === task) this.timers.delete(key);
      locks
        .run(room.id, async () => {
          // Only this hold: the room may have been closed and opened again, the seat resumed or taken over.
          const current = registry.room(room.id) === room ? room.find(held.userId) : undefined;
          if (!current || current.connectionId !== held.connectionId || !isReconnecting(current)) return;
          logger.info({ roomId: room.id, userId: held.userId }, 'grace period over without a resume');
          await this.departure.depart(room, held.userId, held.connectionId, 'dropped');
        })
        .catch((error: unknown) => logger.error({ err: error, roomId: room.id, userId: held.userId }, 'ending a held seat failed'));
    });
    this.timers.set(key, task);
  }
}
