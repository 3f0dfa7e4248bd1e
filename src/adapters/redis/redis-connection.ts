import { SignalingError } from '../../domain';
import type { Logger } from '../../application';
import { RedisConnection as SharedRedisConnection, type RedisClient } from '../shared/redis';
import type { RedisConnectionSettings } from './redis-settings';

export type { RedisClient };

/**
 * The shared Redis connection (`adapters/shared/redis`) as the state store uses it: a Redis that cannot
 * serve a call is `stateStoreUnavailable` to the core, and a `SignalingError` the store's own work throws
 * (a refusal read from a script's reply) goes through as it is.
 */
export class RedisConnection extends SharedRedisConnection {
  constructor(settings: RedisConnectionSettings, logger: Logger, now?: () => number) {
    super(settings, logger, {
      ...(now ? { now } : {}),
      unavailable: (message) => new SignalingError('stateStoreUnavailable', `state store unavailable (${message})`),
      passThrough: (error) => error instanceof SignalingError,
    });
  }
}
