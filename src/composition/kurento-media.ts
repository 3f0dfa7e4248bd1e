import type { Logger, MediaGateway } from '../application';
import { KurentoMediaGateway } from '../adapters/kurento/kurento-media-gateway';
import { KurentoEnv } from '../adapters/kurento/kurento-settings';
import { ConfigError, readEnv } from '../adapters/shared/settings';
import type { Config } from '../config';

/** Builds the Kurento media gateway from KURENTO_URL (one or more, comma-separated) and MEDIA_TIMEOUT_MS. */
export const createKurentoMedia = (config: Config, logger: Logger): MediaGateway => {
  const urls = config.KURENTO_URL;
  if (!urls || urls.length === 0) throw new ConfigError(['KURENTO_URL: required when MEDIA_BACKEND=kurento']);
  const t = readEnv(KurentoEnv, config.env);
  const gateway = new KurentoMediaGateway(
    {
      urls,
      requestTimeoutMs: config.MEDIA_TIMEOUT_MS,
      connectTimeoutMs: t.KURENTO_CONNECT_TIMEOUT_MS,
      healthIntervalMs: t.KURENTO_HEALTH_INTERVAL_MS,
      healthTimeoutMs: t.KURENTO_HEALTH_TIMEOUT_MS,
      healthFailures: t.KURENTO_HEALTH_FAILURES,
      resumeWindowMs: t.KURENTO_RESUME_WINDOW_MS,
      reconnectMinMs: t.KURENTO_RECONNECT_MIN_MS,
      reconnectMaxMs: t.KURENTO_RECONNECT_MAX_MS,
      maxBufferedCandidates: t.KURENTO_MAX_BUFFERED_CANDIDATES,
      joinWaitMs: t.KURENTO_JOIN_WAIT_MS,
    },
    logger,
  );
  gateway.start();
  return gateway;
};
