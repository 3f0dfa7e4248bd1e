import { SingleNodePlacement } from '../../../src/adapters/memory/single-node-placement';
import type { PlacementDecision, RoomPlacement } from '../../../src/application';
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
}
