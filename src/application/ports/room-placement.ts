import type { RoomId } from '../../domain';
import type { RoomLocation } from './room-locator';

export type PlacementDecision =
  | { readonly hostedHere: true }
  | { readonly hostedHere: false; readonly nodeId: string; readonly nodeUrl: string };

/** Whether this node still holds a room it serves; when not, where its members should go. */
export type HoldCheck = { readonly held: true } | { readonly held: false; readonly host?: RoomLocation };

/**
 * Which signaling node hosts a room. A room lives on one node; a join that reaches another node is
 * turned away with the right node's address. With several nodes, hosting a room is a lease the node must
 * keep renewing: a node that paused longer than the lease allows may find the room taken by another.
 */
export interface RoomPlacement {
  /**
   * Claims the room for this node if no live node hosts it; otherwise says who does. Atomic. The only
   * place that decides who hosts a room: the store's writes are fenced by the claim (refused once another
   * node holds the room), never a second decision.
   */
  claim(roomId: RoomId): Promise<PlacementDecision>;
  release(roomId: RoomId): Promise<void>;
  /**
   * Synchronous and cheap, asked before every request in a room: false when this node cannot vouch for
   * its hold on the room right now (it was paused longer than the lease allows, or the room was found
   * taken). Rooms not hosted here answer true: there is nothing to vouch for.
   */
  isHoldConfirmed(roomId: RoomId): boolean;
  /** Asks the shared state whether this node still holds the room, renewing the hold if it does. */
  confirmHold(roomId: RoomId): Promise<HoldCheck>;
  /** The adapter found on its own (a heartbeat, a refused write) that another node holds a room now. */
  onHoldLost(listener: (roomId: RoomId, host: RoomLocation | undefined) => void): void;
}
