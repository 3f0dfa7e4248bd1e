import type { Logger, MediaGateway } from '../application';
import { MeshMediaGateway } from '../adapters/mesh/mesh-media-gateway';
import type { Config } from '../config';
import { createJanusMedia } from './janus-media';
import { createKurentoMedia } from './kurento-media';

/** Picks the media backend named by MEDIA_BACKEND. */
export const createMediaBackend = (config: Config, logger: Logger): MediaGateway => {
  switch (config.MEDIA_BACKEND) {
    case 'mesh':
      return new MeshMediaGateway();
    case 'kurento':
      return createKurentoMedia(config, logger);
    case 'janus':
      return createJanusMedia(config, logger);
  }
};
