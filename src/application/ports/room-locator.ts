import type { RoomId } from '../../domain';

export interface RoomLocation {
  readonly nodeId: string;
  /** The node's public WebSocket URL, where clients send `joinRoom` for this room. */
  readonly nodeUrl: string;
}

/**
 * Tells a client, before it joins, which signaling node serves a room: the node that hosts it, or, for a
 * room nobody hosts, the least-loaded live node, claimed for the room at once so that every member who
 * asks gets the same answer. Rejects with `stateStoreUnavailable` when that cannot be settled.
 */
export interface RoomLocator {
  locate(roomId: RoomId): Promise<RoomLocation>;
}
