import { SingleNodePlacement } from '../../../src/adapters/memory/single-node-placement';
import type { HoldCheck, PlacementDecision, RoomLocation, RoomPlacement } from '../../../src/application';
import type { RoomId } from '../../../src/domain';

/**
 * SingleNodePlacement with its claims counted, so a test can see that every claimed room is released
 * again; individual rooms can be said to live on another node.
 */
export class RecordingPlacement implements RoomPlacement {
  readonly claims: RoomId[] = [];
  readonly releases: RoomId[] = [];
  /** Rooms this node holds: claimed here and not released since. */
  readonly held = new Set<RoomId>();
  private readonly inner = new SingleNodePlacement();
  private readonly elsewhere = new Map<RoomId, { nodeId: string; nodeUrl: string }>();
  private readonly failures: unknown[] = [];

  hostElsewhere(roomId: RoomId, nodeId: string, nodeUrl: string): this {
    this.elsewhere.set(roomId, { nodeId, nodeUrl });
    return this;
  }

  failNextClaim(error: unknown): this {
    this.failures.push(error);
    return this;
  }

  async claim(roomId: RoomId): Promise<PlacementDecision> {
    this.claims.push(roomId);
    if (this.failures.length > 0) throw this.failures.shift();
    const other = this.elsewhere.get(roomId);
    if (other) return { hostedHere: false, ...other };
    const decision = await this.inner.claim();
    if (decision.hostedHere) this.held.add(roomId);
    return decision;
  }

  async release(roomId: RoomId): Promise<void> {
    this.releases.push(roomId);
    this.held.delete(roomId);
    await this.inner.release();
  }

  /** Rooms whose hold this node cannot vouch for (as after a pause), with what a check will find. */
  private readonly doubtful = new Map<RoomId, HoldCheck>();
  readonly holdChecks: RoomId[] = [];
  private readonly lostListeners: ((roomId: RoomId, host: RoomLocation | undefined) => void)[] = [];

  /** From now on the room is unconfirmed; a check finds `outcome` (held again, or taken by `host`). */
  doubtHold(roomId: RoomId, outcome: HoldCheck): this {
    this.doubtful.set(roomId, outcome);
    return this;
  }

  /** As the adapter does when a heartbeat or a refused write shows another node holds the room. */
  loseHold(roomId: RoomId, host?: RoomLocation): void {
    this.doubtful.set(roomId, host ? { held: false, host } : { held: false });
    for (const listener of this.lostListeners) listener(roomId, host);
  }

  isHoldConfirmed(roomId: RoomId): boolean {
    return !this.doubtful.has(roomId);
  }

  async confirmHold(roomId: RoomId): Promise<HoldCheck> {
    this.holdChecks.push(roomId);
    const outcome = this.doubtful.get(roomId) ?? { held: true };
    if (outcome.held) this.doubtful.delete(roomId);
    return outcome;
  }

  onHoldLost(listener: (roomId: RoomId, host: RoomLocation | undefined) => void): void {
    this.lostListeners.push(listener);
  }
}
