import { SignalingError, type RoomId } from '../../domain';
import type { HoldCheck, PlacementDecision, RoomLocation, RoomLocator, RoomPlacement } from '../../application';

/**
 * With one signaling node every room is hosted here. It still answers the room lookup, so clients use
 * the same flow (ask, then join) whether one node or several serve the deployment.
 */
export class SingleNodePlacement implements RoomPlacement, RoomLocator {
  private url: string | undefined;

  constructor(
    private readonly nodeId = 'local',
    publicUrl?: string,
  ) {
    this.url = publicUrl;
  }

  /** Where clients reach this node; known once it listens when no public URL was configured. */
  setPublicUrl(url: string): void {
    this.url = url;
  }

  async claim(): Promise<PlacementDecision> {
    return { hostedHere: true };
  }

  async release(): Promise<void> {}

  /** One node: nobody else can take a room, so every hold is certain. */
  isHoldConfirmed(): boolean {
    return true;
  }

  async confirmHold(): Promise<HoldCheck> {
    return { held: true };
  }

  onHoldLost(): void {}

  async locate(roomId: RoomId): Promise<RoomLocation> {
    if (this.url === undefined) throw new SignalingError('stateStoreUnavailable', `this node does not know its address yet; ask again for room ${roomId}`);
    return { nodeId: this.nodeId, nodeUrl: this.url };
  }
}
