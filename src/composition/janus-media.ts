import type { Logger, MediaGateway } from '../application';
import { JanusConnection } from '../adapters/janus/janus-connection';
import { JanusMediaGateway } from '../adapters/janus/janus-media-gateway';
import { JanusEnv, type JanusSettings } from '../adapters/janus/janus-settings';
import { ConfigError, readEnv } from '../adapters/shared/settings';
import type { Config } from '../config';

export const janusSettings = (config: Config): JanusSettings => {
  if (!config.JANUS_URL) throw new ConfigError(['JANUS_URL: required when MEDIA_BACKEND=janus (e.g. ws://127.0.0.1:8188)']);
  const t = readEnv(JanusEnv, config.env);
  if (t.JANUS_RECONNECT_MIN_MS > t.JANUS_RECONNECT_MAX_MS) {
    throw new ConfigError([`JANUS_RECONNECT_MIN_MS (${t.JANUS_RECONNECT_MIN_MS}) must not exceed JANUS_RECONNECT_MAX_MS (${t.JANUS_RECONNECT_MAX_MS})`]);
  }
  return {
    url: config.JANUS_URL,
    ...(t.JANUS_API_SECRET ? { apiSecret: t.JANUS_API_SECRET } : {}),
    requestTimeoutMs: config.MEDIA_TIMEOUT_MS,
    keepaliveSecs: t.JANUS_KEEPALIVE_SECS,
    reconnectMinMs: t.JANUS_RECONNECT_MIN_MS,
    reconnectMaxMs: t.JANUS_RECONNECT_MAX_MS,
    connectWaitMs: t.JANUS_CONNECT_WAIT_MS ?? Math.min(config.MEDIA_TIMEOUT_MS, 5_000),
    publisherBitrate: t.JANUS_PUBLISHER_BITRATE,
    clientLogLevel: t.JANUS_CLIENT_LOG,
  };
};

/**
 * Builds the Janus media gateway from the configuration and starts connecting in the background: the
 * node can listen before Janus answers, and joins wait up to JANUS_CONNECT_WAIT_MS for it.
 */
export const createJanusMedia = (config: Config, logger: Logger): MediaGateway => {
  const settings = janusSettings(config);
  const gateway = new JanusMediaGateway(new JanusConnection(settings, logger), settings, logger);
  gateway.start();
  return gateway;
};
