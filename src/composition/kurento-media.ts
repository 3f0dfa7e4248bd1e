import type { Logger, MediaGateway } from '../application';
import { ConfigError, type Config } from '../config';

/** Builds the Kurento media gateway from the configuration. */
export const createKurentoMedia = (config: Config, logger: Logger): MediaGateway => {
  void logger;
  throw new ConfigError([`MEDIA_BACKEND=${config.MEDIA_BACKEND} is not available in this build yet`]);
};
