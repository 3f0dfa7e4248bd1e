// The real Kurento Media Server in a container, through Testcontainers: the image scripts/container-engine.sh
// built from ../shared/kms's tarball (rtc-local/kms:7.3.1), or the official kurento/kurento-media-server
// where a registry answered. Plain CommonJS so that the .mjs scripts (scripts/real-kms-suite.mjs) and the
// TypeScript tests can both call it; types in kms-container.d.cts.
'use strict';
const { containerEngine, TEST_LABELS } = require('../containers/engine-state.cjs');

// KMS logs this once its WebSocket JSON-RPC endpoint listens (about 1 s after start).
const STARTED_LOG = 'Kurento Media Server started';

/** The KMS image to use, or undefined with the reason why there is none. */
const kmsImage = () => {
  const engine = containerEngine();
  if (!engine.ready) return { reason: `no container engine: ${engine.reason}` };
  if (!engine.images.kms) return { reason: 'scripts/container-engine.sh found no KMS tarball and no registry' };
  return { image: engine.images.kms };
};

/**
 * Starts KMS and resolves once it listens. `url` is its JSON-RPC WebSocket as the host reaches it.
 * Options: `image` (default: kmsImage()), `env` (KMS_MIN_PORT, KMS_MAX_PORT, KMS_EXTERNAL_IPV4, ... as the
 * official image takes them), `network: 'host'` with `port` to share the host's interfaces (then its ICE
 * candidates are the host's own addresses; on the default bridge they are the container's, which the host
 * reaches through the bridge), `startupTimeoutMs` (default 60 s).
 */
const startKmsContainer = async (options = {}) => {
  const image = options.image ?? kmsImage().image;
  if (!image) throw new Error(`no KMS image: ${kmsImage().reason}`);
  // Required here, not at the top: the package is slow to load and only this function needs it.
  const { GenericContainer, Wait } = require('testcontainers');
  let container = new GenericContainer(image)
    .withEnvironment({ ...(options.env ?? {}) })
    .withLabels(TEST_LABELS)
    .withWaitStrategy(Wait.forLogMessage(STARTED_LOG))
    .withStartupTimeout(options.startupTimeoutMs ?? 60_000);
  if (options.network === 'host') {
    if (!options.port) throw new Error("startKmsContainer: network 'host' needs a port");
    container = container.withNetworkMode('host').withEnvironment({ ...(options.env ?? {}), PORT: String(options.port), ADDRESS: '127.0.0.1' });
  } else {
    container = container.withExposedPorts(8888);
  }
  const started = await container.start();
  const host = options.network === 'host' ? '127.0.0.1' : started.getHost();
  const port = options.network === 'host' ? options.port : started.getMappedPort(8888);
  return {
    image,
    id: started.getId(),
    url: `ws://${host}:${port}/kurento`,
    /** The container's address on its bridge network (undefined with host networking). */
    bridgeAddress: options.network === 'host' ? undefined : started.getIpAddress(started.getNetworkNames()[0]),
    stop: () => started.stop({ timeout: 0 }).then(() => undefined),
  };
};

module.exports = { startKmsContainer, kmsImage };
