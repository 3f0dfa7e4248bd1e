import type { Logger, MediaGateway } from '../application';
import { MeshMediaGateway } from '../adapters/mesh/mesh-media-gateway';
import type { Config } from '../config';
import { createKurentoMedia } from './kurento-media';

/** Picks the media backend named by MEDIA_BACKEND. */
export const createMediaBackend = (config: Config, logger: Logger): MediaGateway => {
  switch (config.MEDIA_BACKEND) {
    case 'mesh':
      return new MeshMediaGateway(config.MESH_SDP_BURST_BYTES);
    case 'kurento':
      return createKurentoMedia(config, logger);
    case 'janus': {
      // Loaded only for this backend: janode loads a native module (unix-dgram) at import time, and images
      // built without the Janus backend (docker/Dockerfile, WITH_JANUS=false) leave it out.
      let janus: typeof import('./janus-media');
      try {
        janus = require('./janus-media') as typeof import('./janus-media');
      } catch (error) {
        throw new Error(
          'MEDIA_BACKEND=janus: janode could not be loaded; it needs its native module unix-dgram built ' +
            '(scripts/node-packages.sh does it; images need --build-arg WITH_JANUS=true)',
          { cause: error },
        );
      }
      return janus.createJanusMedia(config, logger);
    }
  }
};
