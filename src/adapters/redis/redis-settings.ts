import type { ClusterSeed } from '../shared/redis';

/** Where Redis is and how patient to be with it; declared in the shared kit, which opens the connection. */
export type { ClusterSeed, RedisConnectionSettings } from '../shared/redis';

/** How this node announces itself and how quickly a silent node is declared dead. */
export interface NodeLivenessSettings {
  readonly heartbeatMs: number;
  /** A node whose heartbeat is older than this is dead; also the lifetime of room keys between refreshes. */
  readonly expiryMs: number;
}

export const DEFAULT_KEY_PREFIX = 'rtc:';
export const DEFAULT_COMMAND_TIMEOUT_MS = 1_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;
export const DEFAULT_HEARTBEAT_MS = 5_000;
export const DEFAULT_EXPIRY_MS = 15_000;

/** Parses `host:port,host:port` as `REDIS_CLUSTER_NODES` gives it. */
export const parseClusterSeeds = (entries: readonly string[] | string): ClusterSeed[] => {
  const list = typeof entries === 'string' ? entries.split(',') : entries;
  return list
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry) => {
      const colon = entry.lastIndexOf(':');
      const host = entry.slice(0, colon);
      const port = Number(entry.slice(colon + 1));
      if (colon <= 0 || !Number.isInteger(port) || port < 1 || port > 65_535) {
        throw new RangeError(`cluster node must be host:port, got ${JSON.stringify(entry)}`);
      }
      return { host, port };
    });
};

/** Rejects settings under which a live node could look dead between two of its own heartbeats. */
export const assertLiveness = (settings: NodeLivenessSettings): void => {
  if (!Number.isInteger(settings.heartbeatMs) || settings.heartbeatMs < 50) {
    throw new RangeError(`heartbeat interval must be an integer of at least 50 ms, got ${settings.heartbeatMs}`);
  }
  if (!Number.isInteger(settings.expiryMs) || settings.expiryMs < 2 * settings.heartbeatMs) {
    throw new RangeError(
      `node expiry (${settings.expiryMs} ms) must be at least twice the heartbeat interval (${settings.heartbeatMs} ms)`,
    );
  }
};

/** Keys are built by us with hash tags; braces in the prefix would change which part Redis hashes. */
export const assertKeyPrefix = (prefix: string): void => {
  if (/[{}\s]/.test(prefix)) throw new RangeError(`key prefix may not contain braces or spaces, got ${JSON.stringify(prefix)}`);
};
