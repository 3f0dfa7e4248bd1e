import { RedisConnection, type ClusterSeed } from '../../../src/adapters/shared/redis';
import { RecordingLogger } from '../fakes/recording-logger';

export type RedisReach = { readonly url: string } | { readonly clusterNodes: readonly ClusterSeed[] };

/**
 * The shared Redis connection (as the state store opens it), opening in the background: a user such as
 * the presence outbox retries until it is available. Its own logger, so a test's log stays the adapter's.
 */
export const openSharedConnection = (reach: RedisReach, commandTimeoutMs = 1_000): RedisConnection => {
  const connection = new RedisConnection({ ...reach, commandTimeoutMs, connectTimeoutMs: 1_000 }, new RecordingLogger());
  void connection.open();
  return connection;
};
