import type { Logger } from '../../application';
import { DisabledPresenceNotifier } from './disabled-presence-notifier';
import type { ManagedPresenceNotifier } from './managed-presence-notifier';
import { MemoryPresenceOutbox } from './memory-presence-outbox';
import type { PresenceConfig } from './presence-config';
import type { PresenceOutbox } from './presence-outbox';
import { RedisPresenceOutbox, type PresenceRedisClient } from './redis-presence-outbox';
import { TcpPresenceNotifier } from './tcp-presence-notifier';

export interface PresenceNotifierDependencies {
  readonly logger: Logger;
  /** This signaling node's id; names its durable outbox, so it must stay the same across restarts. */
  readonly nodeId: string;
  /** When Redis is the state store: keeps the outbox there so a crash of this node loses nothing. */
  readonly redis?: PresenceRedisClient;
  /** Prefix of the outbox keys (REDIS_KEY_PREFIX), so one Redis can serve several deployments. */
  readonly redisKeyPrefix?: string;
}

/** Picks the notifier the configuration asks for: off without `PRESENCE_TCP`, else TCP with a memory or Redis outbox. */
export function createPresenceNotifier(config: PresenceConfig, deps: PresenceNotifierDependencies): ManagedPresenceNotifier {
  const logger = deps.logger;
  if (!config.endpoint) {
    logger.info({}, 'presence notifications are off (PRESENCE_TCP is not set)');
    return new DisabledPresenceNotifier();
  }
  const outbox: PresenceOutbox = deps.redis
    ? new RedisPresenceOutbox(
        deps.redis,
        {
          nodeId: deps.nodeId,
          max: config.outboxMax,
          timeoutMs: config.redisTimeoutMs,
          livenessMs: config.outboxLivenessMs,
          sweepIntervalMs: config.outboxSweepMs,
          ...(deps.redisKeyPrefix !== undefined ? { keyPrefix: deps.redisKeyPrefix } : {}),
        },
        logger,
      )
    : new MemoryPresenceOutbox(config.outboxMax, logger);
  logger.info(
    { host: config.endpoint.host, port: config.endpoint.port, outbox: deps.redis ? 'redis' : 'memory', outboxMax: config.outboxMax },
    'presence notifications over TCP',
  );
  return new TcpPresenceNotifier(config.endpoint, config, outbox, logger);
}
