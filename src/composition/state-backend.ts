import type { DepartedRoom, RoomPlacement, RoomStateStore } from '../application';
import type { HttpRoute } from '../adapters/http/http-route';
import type { RedisConnection } from '../adapters/shared/redis';
import type { LifecyclePart } from './node-lifecycle';

/** Everything the configured state store brings to the node. */
export interface StateBackend {
  readonly store: RoomStateStore;
  readonly placement: RoomPlacement;
  /** The store's Redis connection, shared with the presence outbox when Redis is the store. */
  readonly redis?: RedisConnection;
  /** Extra HTTP routes, such as the room placement lookup. */
  readonly routes: readonly HttpRoute[];
  readonly lifecycle: readonly LifecyclePart[];
  /** Called once the node listens, with its WebSocket URL (the port is only known then when PORT=0). */
  announceListening?(wsUrl: string): Promise<void>;
  /**
   * Subscribes to rooms whose host died, as this node frees them: reaped, or left by an earlier run of
   * this node (shared state only). Their members must be reported gone.
   */
  onLostRoom?(listener: (room: DepartedRoom) => void): void;
  /** The node starts draining: new rooms should go elsewhere from now on. */
  beginDrain?(): Promise<void>;
}
