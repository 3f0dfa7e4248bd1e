import { z } from 'zod';
import type { Logger } from '../application';
import { roomNodeRoute } from '../adapters/http/room-node-route';
import {
  assertLiveness,
  createRedisState as createRedisAdapters,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_EXPIRY_MS,
  DEFAULT_HEARTBEAT_MS,
  parseClusterSeeds,
  type ClusterSeed,
  type RedisState,
} from '../adapters/redis';
import { ConfigError, ms, readEnv } from '../adapters/shared/settings';
import type { Config } from '../config';
import { listeningUrl, nodePublicUrl } from './public-url';
import type { StateBackend } from './state-backend';

/** Redis tuning beyond REDIS_URL / REDIS_CLUSTER_NODES / REDIS_KEY_PREFIX; all optional. */
const RedisTuning = z.object({
  REDIS_HEARTBEAT_MS: ms(50).default(DEFAULT_HEARTBEAT_MS),
  /** A node silent this long is dead and reaped; also the lifetime of room keys between heartbeats. */
  REDIS_NODE_EXPIRY_MS: ms(100).default(DEFAULT_EXPIRY_MS),
  REDIS_COMMAND_TIMEOUT_MS: ms(10).default(DEFAULT_COMMAND_TIMEOUT_MS),
  REDIS_CONNECT_TIMEOUT_MS: ms(10).default(DEFAULT_CONNECT_TIMEOUT_MS),
});

export type RedisTuningSettings = z.infer<typeof RedisTuning>;

export const redisTuning = (config: Config): RedisTuningSettings => {
  const t = readEnv(RedisTuning, config.env);
  try {
    assertLiveness({ heartbeatMs: t.REDIS_HEARTBEAT_MS, expiryMs: t.REDIS_NODE_EXPIRY_MS });
  } catch (error) {
    throw new ConfigError([`REDIS_NODE_EXPIRY_MS / REDIS_HEARTBEAT_MS: ${(error as Error).message}`]);
  }
  return t;
};

/** What the Redis backend adds to StateBackend: the node learns its real port after it listens. */
export interface RedisStateBackend extends StateBackend {
  /** Called once the node listens; registers the node under this URL unless PUBLIC_URL was set. */
  announceListening(wsUrl: string): Promise<void>;
  /** The adapters, for tests and tools. */
  readonly adapters: RedisState;
}

/** Builds the Redis state store, node registry, placement and the room lookup route. */
export const createRedisState = (config: Config, logger: Logger): RedisStateBackend => {
  if (!config.REDIS_URL && !config.REDIS_CLUSTER_NODES) {
    throw new ConfigError(['REDIS_URL or REDIS_CLUSTER_NODES is required when STATE_STORE=redis']);
  }
  const t = redisTuning(config);
  let clusterNodes: ClusterSeed[] | undefined;
  try {
    clusterNodes = config.REDIS_CLUSTER_NODES ? parseClusterSeeds(config.REDIS_CLUSTER_NODES) : undefined;
  } catch (error) {
    throw new ConfigError([`REDIS_CLUSTER_NODES: ${(error as Error).message}`]);
  }
  const publicUrl = nodePublicUrl(config);
  const state = createRedisAdapters({
    ...(config.REDIS_URL ? { url: config.REDIS_URL } : {}),
    ...(clusterNodes ? { clusterNodes } : {}),
    keyPrefix: config.REDIS_KEY_PREFIX,
    commandTimeoutMs: t.REDIS_COMMAND_TIMEOUT_MS,
    connectTimeoutMs: t.REDIS_CONNECT_TIMEOUT_MS,
    heartbeatMs: t.REDIS_HEARTBEAT_MS,
    expiryMs: t.REDIS_NODE_EXPIRY_MS,
    nodeId: config.nodeId,
    publicUrl,
    logger,
  });
  if (publicUrl === undefined) {
    logger.info({ nodeId: config.nodeId }, 'PORT=0 without PUBLIC_URL: the node joins placement once it knows its port');
  }
  return {
    store: state.store,
    placement: state.placement,
    redis: state.connection,
    routes: [roomNodeRoute(state.placement, logger)],
    lifecycle: [{ name: 'redis-state', start: () => state.start(), stop: () => state.stop() }],
    adapters: state,
    beginDrain: () => state.registry.beginDrain(),
    onLostRoom: (listener) => {
      state.registry.onRoomReaped(listener);
      state.store.onStaleRecordDropped(listener);
    },
    async announceListening(wsUrl) {
      if (publicUrl !== undefined) return;
      // The listening address may be a wildcard (0.0.0.0), which is no address for a client.
      const port = Number(new URL(wsUrl).port);
      await state.registry.announce(Number.isInteger(port) && port > 0 ? listeningUrl(config.HOST, port) : wsUrl);
    },
  };
};
