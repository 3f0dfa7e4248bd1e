import type { PlacementDecision, RoomPlacement } from '../../application';

/** With one signaling node every room is hosted here. */
export class SingleNodePlacement implements RoomPlacement {
  async claim(): Promise<PlacementDecision> {
    return { hostedHere: true };
  }

  async release(): Promise<void> {}
}
