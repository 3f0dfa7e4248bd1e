import type { RoomId } from '../../domain';

interface Lease {
  /** The lease's generation in Redis (`fence.epoch`), named by every write for the room. */
  epoch: string;
  /** Monotonic time a renewal that succeeded was sent (Redis applied it later, so the lease lasts at least that long). */
  renewedAt: number;
  lost: boolean;
}

export interface RoomLeasesOptions {
  /** How long a renewal keeps the lease in Redis (the host key's TTL, `REDIS_NODE_EXPIRY_MS`). */
  readonly leaseMs: number;
  /** The heartbeat interval: a stall of this process longer than this is no scheduling hiccup. */
  readonly heartbeatMs: number;
  /** Monotonic milliseconds; performance.now by default. */
  readonly now?: () => number;
}

/**
 * What this node knows of its leases on the rooms it hosts, kept so that "may I still serve this room?"
 * is answered without a round trip, before every request.
 *
 * A lease is certain until its last renewal plus the lease time (minus a tenth for clocks that run at
 * slightly different rates): Redis cannot have given the room to anyone before that. Past it, the node
 * still serves if its own event loop never stalled since that renewal: renewals then failed because Redis
 * did not answer, and while Redis is unreachable nobody can take the room either (an outage every node
 * shares keeps rooms usable). A stall (SIGSTOP, a long GC pause, a frozen VM) after the last renewal that
 * outlasted the lease is what lets another node take the room unseen: then the room is unconfirmed until
 * a renewal sent after the stall succeeds, and lost if Redis refuses it.
 *
 * The stall is noticed by a pulse timer and also at every question, because after a resume Node handles
 * the sockets that became readable before it runs its overdue timers.
 */
export class RoomLeases {
  private readonly leases = new Map<RoomId, Lease>();
  private readonly now: () => number;
  private readonly validMs: number;
  private readonly stallMs: number;
  private aliveRenewedAt = Number.NEGATIVE_INFINITY;
  private lastPulse: number;
  /**
   * When the latest stall longer than `stallMs` was noticed (its end). It began some time after the last
   * pulse, which may be before or after a renewal: only a renewal sent after this proves anything.
   */
  private stalledAt = Number.NEGATIVE_INFINITY;
  private pulseTimer: NodeJS.Timeout | undefined;
  private readonly lostListeners: ((roomId: RoomId) => void)[] = [];
  private readonly pulseEveryMs: number;

  constructor(options: RoomLeasesOptions) {
    this.now = options.now ?? (() => performance.now());
    this.validMs = options.leaseMs - options.leaseMs / 10;
    this.stallMs = options.heartbeatMs;
    this.lastPulse = this.now();
    this.pulseEveryMs = Math.max(20, Math.min(options.heartbeatMs / 4, 1_000));
  }

  start(): void {
    if (this.pulseTimer) return;
    this.lastPulse = this.now();
    this.pulseTimer = setInterval(() => this.pulse(), this.pulseEveryMs);
    this.pulseTimer.unref();
  }

  stop(): void {
    if (this.pulseTimer) clearInterval(this.pulseTimer);
    this.pulseTimer = undefined;
  }

  /** Monotonic time, to stamp a renewal when it is sent. */
  clock(): number {
    return this.now();
  }

  epochOf(roomId: RoomId): string | undefined {
    return this.leases.get(roomId)?.epoch;
  }

  holds(roomId: RoomId): boolean {
    return this.leases.has(roomId);
  }

  /** Rooms with a lease here that was not found lost. */
  heldRoomIds(): RoomId[] {
    return [...this.leases].filter(([, lease]) => !lease.lost).map(([roomId]) => roomId);
  }

  /** Redis gave (or confirmed) this node the lease at `epoch` in reply to a write sent at `sentAt`. */
  grant(roomId: RoomId, epoch: string, sentAt: number): void {
    const lease = this.leases.get(roomId);
    if (lease && lease.epoch === epoch && !lease.lost) {
      lease.renewedAt = Math.max(lease.renewedAt, sentAt);
      return;
    }
    this.leases.set(roomId, { epoch, renewedAt: sentAt, lost: false });
  }

  /**
   * Another node's lookup claimed the room for this node at `epoch`: the epoch is this node's to write
   * with, but nothing is known of how long the claim lasts until this node renews it itself.
   */
  know(roomId: RoomId, epoch: string): void {
    if (!this.leases.has(roomId)) this.leases.set(roomId, { epoch, renewedAt: Number.NEGATIVE_INFINITY, lost: false });
  }

  /** A renewal of the room's lease sent at `sentAt` succeeded. */
  renewed(roomId: RoomId, sentAt: number): void {
    const lease = this.leases.get(roomId);
    if (lease && !lease.lost) lease.renewedAt = Math.max(lease.renewedAt, sentAt);
  }

  /** The node's heartbeat (its liveness key, which every lease depends on) sent at `sentAt` succeeded. */
  aliveRenewed(sentAt: number): void {
    this.aliveRenewedAt = Math.max(this.aliveRenewedAt, sentAt);
  }

  /** Redis refused a write under this lease: another node held the room since. Listeners hear it once. */
  markLost(roomId: RoomId): void {
    const lease = this.leases.get(roomId);
    if (!lease || lease.lost) return;
    lease.lost = true;
    for (const listener of this.lostListeners) listener(roomId);
  }

  onLost(listener: (roomId: RoomId) => void): void {
    this.lostListeners.push(listener);
  }

  isLost(roomId: RoomId): boolean {
    return this.leases.get(roomId)?.lost === true;
  }

  /** The room is closed or given up here: nothing of it is kept. */
  forget(roomId: RoomId): void {
    this.leases.delete(roomId);
  }

  /** Whether this node may serve the room without asking Redis first. Rooms without a lease here: true. */
  isConfirmed(roomId: RoomId): boolean {
    const lease = this.leases.get(roomId);
    if (!lease) return true;
    if (lease.lost) return false;
    this.pulse();
    const renewedAt = Math.min(lease.renewedAt, this.aliveRenewedAt);
    return this.now() < renewedAt + this.validMs || this.stalledAt < renewedAt;
  }

  private pulse(): void {
    const at = this.now();
    if (at - this.lastPulse > this.stallMs) this.stalledAt = at;
    this.lastPulse = at;
  }
}
