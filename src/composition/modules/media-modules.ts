import { ContainerModule } from 'inversify';
import type { Logger, MediaGateway } from '../../application';
import { MeshMediaGateway } from '../../adapters/mesh/mesh-media-gateway';
import type { Config } from '../../config';
import { createKurentoMedia } from '../kurento-media';
import { Ids } from '../service-ids';

/** One module per media backend; each binds the gateway the core talks to, and nothing else. */
const mediaModule = (create: () => MediaGateway): ContainerModule =>
  new ContainerModule(({ bind }) => {
    bind(Ids.MediaBackend).toDynamicValue(create);
  });

/** MEDIA_BACKEND=mesh: no media server; peers send each other their media, the node relays signaling. */
export const meshModule = (config: Config): ContainerModule => mediaModule(() => new MeshMediaGateway(config.MESH_SDP_BURST_BYTES));

/** MEDIA_BACKEND=kurento: one or more Kurento Media Servers over their JSON-RPC. */
export const kurentoModule = (config: Config, logger: Logger): ContainerModule => mediaModule(() => createKurentoMedia(config, logger));

/** MEDIA_BACKEND=janus: the VideoRoom plugin through janode. */
export const janusModule = (config: Config, logger: Logger): ContainerModule => {
  // Loaded only for this backend: janode loads a native module (unix-dgram) at import time, and images
  // built without the Janus backend (docker/Dockerfile, WITH_JANUS=false) leave it out.
  let janus: typeof import('../janus-media');
  try {
    janus = require('../janus-media') as typeof import('../janus-media');
  } catch (error) {
    throw new Error(
      'MEDIA_BACKEND=janus: janode could not be loaded; it needs its native module unix-dgram built ' +
        '(scripts/node-packages.sh does it; images need --build-arg WITH_JANUS=true)',
      { cause: error },
    );
  }
  return mediaModule(() => janus.createJanusMedia(config, logger));
};

/** The module of the backend MEDIA_BACKEND names: swapping the backend is loading another module. */
export const selectMediaModule = (config: Config, logger: Logger): ContainerModule => {
  switch (config.MEDIA_BACKEND) {
    case 'mesh':
      return meshModule(config);
    case 'kurento':
      return kurentoModule(config, logger);
    case 'janus':
      return janusModule(config, logger);
  }
};
