import type { Logger } from '../../application';
import { RedisConnection } from './redis-connection';
import { RedisKeys } from './redis-keys';
import { RedisNodeRegistry } from './redis-node-registry';
import { RedisRoomPlacement } from './redis-room-placement';
import { RedisRoomStateStore } from './redis-room-state-store';
import { RoomLeases } from './room-leases';
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
  /** Undefined while unknown (ephemeral port): the node registers once announce() gives it. */
  readonly publicUrl: string | undefined;
  /** The node's load for placement; defaults to the participants in the rooms it hosts. */
  readonly load?: () => number;
  readonly logger: Logger;
}

/** The Redis-backed state of one signaling node, wired together, with one start and one stop. */
export interface RedisState {
  readonly connection: RedisConnection;
  readonly leases: RoomLeases;
  readonly store: RedisRoomStateStore;
  readonly registry: RedisNodeRegistry;
  readonly placement: RedisRoomPlacement;
  /**
   * Connects and registers the node. When Redis does not answer within the connect timeout the node
   * starts anyway, refusing joins with `stateStoreUnavailable` until the connection comes up.
   */
  start(): Promise<void>;
  /** Deregisters the node (removing what it still records), then closes the connection. */
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
  const leases = new RoomLeases({ leaseMs: expiryMs, heartbeatMs });
  const fenceTtlMs = fenceTtl(expiryMs);
  const store = new RedisRoomStateStore({
    connection,
    keys,
    nodeId: options.nodeId,
    roomTtlMs: expiryMs,
    fenceTtlMs,
    indexTtlMs: registryTtl(expiryMs),
    leases,
    logger: options.logger,
  });
  const registry = new RedisNodeRegistry({
    connection,
    keys,
    nodeId: options.nodeId,
    publicUrl: options.publicUrl,
    load: options.load ?? (() => store.participantCount),
    rooms: store,
    leases,
    fenceTtlMs,
    indexTtlMs: registryTtl(expiryMs),
    heartbeatMs,
    expiryMs,
    logger: options.logger,
  });
  const placement = new RedisRoomPlacement({
    connection,
    keys,
    nodes: registry,
    rooms: store,
    leases,
    claimTtlMs: expiryMs,
    lookupClaimTtlMs: heartbeatMs,
    logger: options.logger,
  });
  const where = options.clusterNodes?.map((n) => `${n.host}:${n.port}`).join(',') ?? withoutCredentials(options.url ?? 'redis://127.0.0.1:6379');
  return {
    connection,
    leases,
    store,
    registry,
    placement,
    async start() {
      if (!(await connection.open())) {
        options.logger.error({ redis: where }, 'Redis is not reachable; joins are refused until it is');
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

/**
 * How long a room's fence outlives its last write: long enough that a node back from any pause it could
 * live through still finds the epoch that superseded its lease, and at most a short string and a number
 * per room used in that time.
 */
export const fenceTtl = (expiryMs: number): number => Math.max(3_600_000, expiryMs * 4);

/** The node registry's keys (and this node's room index) outlive a dead node's heartbeat by this much. */
export const registryTtl = (expiryMs: number): number => expiryMs * 4;

/** A password in REDIS_URL must not reach the logs. */
const withoutCredentials = (url: string): string => {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(unparseable REDIS_URL)';
  }
};
