import { Cluster, Redis } from 'ioredis';

export type RedisClient = Redis | Cluster;

/** Where Redis is and how patient to be with it (REDIS_URL or REDIS_CLUSTER_NODES, and the timeouts). */
export interface RedisConnectionSettings {
  /** `redis://host:port[/db]`; ignored when `clusterNodes` is given. */
  readonly url?: string;
  /** Seed nodes of a Redis Cluster (`REDIS_CLUSTER_NODES=host:port,...`); selects `Redis.Cluster`. */
  readonly clusterNodes?: readonly ClusterSeed[];
  /** A command without a reply after this long fails as unavailable. */
  readonly commandTimeoutMs: number;
  /** A connection attempt that takes longer than this is abandoned and retried. */
  readonly connectTimeoutMs: number;
}

export interface ClusterSeed {
  readonly host: string;
  readonly port: number;
}

/** Reconnect quickly at first, then once a second: a signaling node has nothing better to do meanwhile. */
const retryDelay = (attempt: number): number => Math.min(attempt * 100, 1_000);

/**
 * An ioredis client that never queues a command while disconnected and never replays one: a caller
 * learns at once that Redis could not take it, instead of a late duplicate after a reconnect.
 */
export const createRedisClient = (settings: RedisConnectionSettings): RedisClient => {
  const common = {
    commandTimeout: settings.commandTimeoutMs,
    connectTimeout: settings.connectTimeoutMs,
    // Fail commands caught by a disconnect at once instead of replaying them later out of order.
    maxRetriesPerRequest: 0,
    lazyConnect: true,
  };
  if (settings.clusterNodes && settings.clusterNodes.length > 0) {
    return new Cluster(
      settings.clusterNodes.map((seed) => ({ host: seed.host, port: seed.port })),
      {
        lazyConnect: true,
        enableOfflineQueue: false,
        clusterRetryStrategy: retryDelay,
        slotsRefreshTimeout: settings.connectTimeoutMs,
        retryDelayOnClusterDown: 100,
        retryDelayOnTryAgain: 100,
        redisOptions: common,
      },
    );
  }
  return new Redis(settings.url ?? 'redis://127.0.0.1:6379', {
    ...common,
    enableOfflineQueue: false,
    retryStrategy: retryDelay,
  });
};
