import type { Logger } from '../application';
import { ConfigError, type Config } from '../config';
import type { StateBackend } from './state-backend';

/** Builds the Redis state store, node registry and placement. */
export const createRedisState = (config: Config, logger: Logger): StateBackend => {
  void logger;
  throw new ConfigError([`STATE_STORE=${config.STATE_STORE} is not available in this build yet`]);
};
