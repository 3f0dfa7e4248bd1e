import { SignalingError, type RoomId } from '../../domain';
import type { DepartedRoom, HoldCheck, RoomLocation } from '../ports';
import type { ClientNotifier, Logger, MediaGateway, PresenceNotifier, RoomPlacement, RoomStateStore } from '../ports';
import type { KeyedMutex } from '../keyed-mutex';
import type { RoomRegistry } from '../room-registry';


const HELD: HoldCheck = { held: true };

const movedError = (roomId: RoomId, host: RoomLocation | undefined): SignalingError =>
  new SignalingError(
    'roomMoved',
    host
      ? `room ${roomId} is now served by node ${host.nodeId}; connect to details.nodeUrl and join again`
      : `room ${roomId} is no longer served here; look it up again (GET /v1/rooms/:roomId/node) and join there`,
    { roomId, ...(host ? { nodeId: host.nodeId, nodeUrl: host.nodeUrl } : {}) },
  );

/**
 * A node serves a room only while it holds it. With several nodes the hold is a lease; a node that was
 * paused (SIGSTOP, a long GC, a frozen VM) longer than the lease allows may find on resuming that another
 * node took the room meanwhile. Before it relays anything in such a room it asks; if the room is gone it
 * gives it up at once: every member is told `roomMoved` with the new host's address and disconnected, the
 * media session is released, and presence hears nothing more of them from here unless this node itself
 * removed their record (whoever removes a member from the shared record reports its departure, once).
 */
export class RoomHolds {
  /** One check per room at a time: a burst of requests after a pause asks the store once. */
  private readonly checks = new Map<RoomId, Promise<HoldCheck>>();

  constructor(
    private readonly registry: RoomRegistry,
    private readonly locks: KeyedMutex<RoomId>,
    private readonly placement: RoomPlacement,
    private readonly media: MediaGateway,
    private readonly store: RoomStateStore,
    private readonly clients: ClientNotifier,
    private readonly presence: PresenceNotifier,
    private readonly logger: Logger,
  ) {}

  /** The adapter may find a room lost by itself (a heartbeat, a refused write): give it up then too. */
  start(): void {
    this.placement.onHoldLost((roomId, host) => {
      this.locks.run(roomId, () => this.evictLocked(roomId, host)).catch((error: unknown) =>
        this.logger.error({ err: error, roomId }, 'giving up a room another node holds failed'),
      );
    });
  }

  /**
   * For requests that do not take the room's lock. `undefined` when the hold is confirmed, so the relay's
   * hot path pays no promise; otherwise a promise that resolves once it is, or rejects with `roomMoved`
   * after giving the room up (or `stateStoreUnavailable` when the store cannot be asked).
   */
  whenHeld(roomId: RoomId): Promise<void> | undefined {
    if (this.placement.isHoldConfirmed(roomId)) return undefined;
    return this.check(roomId).then(async (check) => {
      if (check.held) return;
      await this.locks.run(roomId, () => this.evictLocked(roomId, check.host));
      throw movedError(roomId, check.host);
    });
  }

  /** For requests already holding the room's lock: as `whenHeld`. */
  async ensureHeldLocked(roomId: RoomId): Promise<void> {
    const check = await this.holdLocked(roomId);
    if (!check.held) throw movedError(roomId, check.host);
  }

  /**
   * For callers holding the room's lock that go on either way (a join, which is then placed afresh):
   * the room is given up when the check says another node holds it.
   */
  async holdLocked(roomId: RoomId): Promise<HoldCheck> {
    if (this.placement.isHoldConfirmed(roomId)) return HELD;
    const check = await this.check(roomId);
    if (!check.held) await this.evictLocked(roomId, check.host);
    return check;
  }

  private check(roomId: RoomId): Promise<HoldCheck> {
    let pending = this.checks.get(roomId);
    if (!pending) {
      pending = this.placement.confirmHold(roomId).finally(() => this.checks.delete(roomId));
      this.checks.set(roomId, pending);
    }
    return pending;
  }

  /** Caller holds the room's lock. Idempotent: a room already given up is not here any more. */
  private async evictLocked(roomId: RoomId, host: RoomLocation | undefined): Promise<void> {
    const { registry, media, store, clients, logger } = this;
    const room = registry.room(roomId);
    if (!room) return;
    const error = movedError(roomId, host);
    const members = room.participants();
    for (const p of members) {
      clients.disconnect(p.connectionId, 'roomMoved', error.message, error.details);
      registry.unbind(p.connectionId);
    }
    registry.removeRoom(roomId);
    const session = room.detachMedia();
    const [abandoned, closed] = await Promise.allSettled([
      store.recordRoomAbandoned(roomId),
      session ? media.closeSession(session) : Promise.resolve(),
    ]);
    if (closed.status === 'rejected') logger.warn({ err: closed.reason, roomId }, 'media backend failed to release a room given up');
    if (abandoned.status === 'rejected') {
      logger.warn({ err: abandoned.reason, roomId }, 'could not remove the record of a room given up; it expires by itself');
    } else if (abandoned.value) {
      this.reportGone(abandoned.value);
    }
    logger.warn(
      { roomId, members: members.length, nodeId: host?.nodeId, nodeUrl: host?.nodeUrl },
      'another node holds this room now: members sent there, room given up',
    );
  }

  private reportGone(departed: DepartedRoom): void {
    const { record, at } = departed;
    for (const member of record.members) {
      this.presence.notify({
        type: 'participantDeparted',
        roomId: record.roomId,
        communityId: record.communityId,
        userId: member.userId,
        reason: 'roomMoved',
        at,
      });
    }
  }
}
