import type { Logger, RoomRecord } from '../../application';
import { RedisConnection } from './redis-connection';
import { RedisKeys } from './redis-keys';
import { RedisNodeRegistry } from './redis-node-registry';
import { RedisRoomPlacement } from './redis-room-placement';
import { RedisRoomStateStore } from './redis-room-state-store';
import {
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_EXPIRY_MS,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_KEY_PREFIX,
  type ClusterSeed,
} from './redis-settings';

export interface RedisStateOptions {
  /** `REDIS_URL`; ignored when `clusterNodes` is given. */
  readonly url?: string;
  /** `REDIS_CLUSTER_NODES`, parsed with parseClusterSeeds. */
  readonly clusterNodes?: readonly ClusterSeed[];
  readonly keyPrefix?: string;
  readonly commandTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly heartbeatMs?: number;
  readonly expiryMs?: number;
  readonly nodeId: string;
  readonly publicUrl: string;
  readonly load: () => number;
  readonly snapshot: () => readonly RoomRecord[];
  readonly logger: Logger;
}

/** The Redis-backed state of one signaling node, wired together, with one start and one stop. */
export interface RedisState {
  readonly connection: RedisConnection;
  readonly store: RedisRoomStateStore;
  readonly registry: RedisNodeRegistry;
  readonly placement: RedisRoomPlacement;
  /** Connects (rejects if Redis is not reachable within the connect timeout) and registers the node. */
  start(): Promise<void>;
  /** Deregisters the node, waits for pending writes and closes the connection. */
  stop(): Promise<void>;
}

export const createRedisState = (options: RedisStateOptions): RedisState => {
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const expiryMs = options.expiryMs ?? DEFAULT_EXPIRY_MS;
  const connection = new RedisConnection(
    {
      ...(options.url !== undefined ? { url: options.url } : {}),
      ...(options.clusterNodes !== undefined ? { clusterNodes: options.clusterNodes } : {}),
      commandTimeoutMs: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    },
    options.logger,
  );
  const keys = new RedisKeys(options.keyPrefix ?? DEFAULT_KEY_PREFIX);
  const store = new RedisRoomStateStore({
    connection,
    keys,
    nodeId: options.nodeId,
    roomTtlMs: expiryMs,
    snapshot: options.snapshot,
    logger: options.logger,
  });
  const registry = new RedisNodeRegistry({
    connection,
    keys,
    nodeId: options.nodeId,
    publicUrl: options.publicUrl,
    load: options.load,
    rooms: store,
    heartbeatMs,
    expiryMs,
    logger: options.logger,
  });
  const placement = new RedisRoomPlacement({ connection, keys, nodes: registry, claimTtlMs: expiryMs, logger: options.logger });
  return {
    connection,
    store,
    registry,
    placement,
    async start() {
      if (!(await connection.open())) {
        await connection.close();
        const where = options.clusterNodes?.map((n) => `${n.host}:${n.port}`).join(',') ?? options.url ?? 'redis://127.0.0.1:6379';
        throw new Error(`Redis at ${where} is not reachable`);
      }
      await registry.start();
    },
    async stop() {
      await registry.stop();
      await store.shutdown();
      await connection.close();
    },
  };
};
