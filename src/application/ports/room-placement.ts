import type { RoomId } from '../../domain';

export type PlacementDecision =
  | { readonly hostedHere: true }
  | { readonly hostedHere: false; readonly nodeId: string; readonly nodeUrl: string };

/**
 * Which signaling node hosts a room. A room lives on one node; a join that reaches another node is
 * turned away with the right node's address.
 */
export interface RoomPlacement {
  /** Claims the room for this node if no live node hosts it; otherwise says who does. Atomic. */
  claim(roomId: RoomId): Promise<PlacementDecision>;
  release(roomId: RoomId): Promise<void>;
}
