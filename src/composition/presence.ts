import type { Logger, PresenceNotifier } from '../application';
import { createPresenceNotifier } from '../adapters/presence/create-presence-notifier';
import type { PresenceStats } from '../adapters/presence/managed-presence-notifier';
import type { RedisConnection } from '../adapters/shared/redis';
import { readPresenceConfig, type PresenceConfig } from '../adapters/presence/presence-config';
import type { Config } from '../config';
import type { LifecyclePart } from './node-lifecycle';

export interface PresenceBackend {
  readonly notifier: PresenceNotifier;
  readonly lifecycle: readonly LifecyclePart[];
  /** Events waiting for the presence server, for the metrics. */
  readonly outboxDepth?: () => number;
  /** Delivery counters (dropped, resent, reply timeouts, malformed replies...), for metrics and tests. */
  readonly stats?: () => PresenceStats;
  /** For the `/readyz` report: informational only, see `PresenceReadiness`. */
  readonly readiness: PresenceReadiness;
}

/** What `/readyz` can show about presence. */
export interface PresenceReadinessDetail {
  readonly enabled: boolean;
  readonly connected: boolean;
  readonly outbox: 'off' | 'memory' | 'redis';
  readonly outboxDepth: number;
  readonly outboxMax: number;
  readonly dropped: number;
}

/**
 * Shaped like the HTTP adapter's readiness checks, plus `required: false`: presence being down must
 * never take a node out of rotation, because the outbox holds the notifications until it is back and
 * moving clients to another node would not bring it back sooner. `isReady` is false only while
 * notifications wait and there is no connection to the presence server (true when presence is off or
 * nothing waits); `detail` says how much waits.
 */
export interface PresenceReadiness {
  readonly name: 'presence';
  readonly required: false;
  isReady(): boolean;
  detail(): PresenceReadinessDetail;
}

/** Used by the lifecycle stop when the node did not already shut presence down with its own deadline. */
const STOP_DEADLINE_MS = 5_000;

/** A PresenceConfigError is a ConfigError: a bad presence setting stops the node like any other. */
const presenceConfig = (config: Config): PresenceConfig => readPresenceConfig(config.env);

/**
 * Presence notifications: off unless PRESENCE_TCP is set. With `redis` (STATE_STORE=redis; a single
 * server or a Cluster, all outbox keys share the `{presence}` hash slot) the outbox is a Redis stream
 * named after NODE_ID, so a restarted node with the same NODE_ID, or any other node once this one's
 * liveness key lapsed, delivers what a crash left behind. NODE_ID must therefore be stable per node
 * (the hostname-pid default changes on every restart: the outbox is then only taken over by the sweep).
 */
export const createPresence = (config: Config, logger: Logger, redis?: RedisConnection): PresenceBackend => {
  const settings = presenceConfig(config);
  const notifier = createPresenceNotifier(settings, {
    logger,
    nodeId: config.nodeId,
    ...(redis ? { redis, redisKeyPrefix: config.REDIS_KEY_PREFIX } : {}),
  });
  return {
    notifier,
    lifecycle: [
      {
        name: 'presence',
        // Never waits for the presence server or Redis: the node must serve while they are down.
        start: async () => notifier.start(),
        // Idempotent: the node's stop has usually called shutdown already with its own deadline.
        stop: () => notifier.shutdown(STOP_DEADLINE_MS),
      },
    ],
    outboxDepth: () => notifier.stats().depth,
    stats: () => notifier.stats(),
    readiness: presenceReadiness(settings, redis ? 'redis' : 'memory', () => notifier.stats()),
  };
};

const presenceReadiness = (settings: PresenceConfig, outbox: 'memory' | 'redis', stats: () => PresenceStats): PresenceReadiness => {
  const enabled = settings.endpoint !== undefined;
  const detail = (): PresenceReadinessDetail => {
    const now = stats();
    return {
      enabled,
      connected: now.connected,
      outbox: enabled ? outbox : 'off',
      outboxDepth: now.depth,
      outboxMax: settings.outboxMax,
      dropped: now.dropped,
    };
  };
  const isReady = (): boolean => {
    const now = stats();
    return !enabled || now.depth === 0 || now.connected;
  };
  return { name: 'presence', required: false, isReady, detail };
};
