import type { Logger, MediaGateway } from '../application';
import { ConfigError, type Config } from '../config';

/** Builds the Janus media gateway from the configuration. */
export const createJanusMedia = (config: Config, logger: Logger): MediaGateway => {
  void logger;
  throw new ConfigError([`MEDIA_BACKEND=${config.MEDIA_BACKEND} is not available in this build yet`]);
};
