import { z } from 'zod';
import type { Logger, MediaGateway } from '../application';
import { JanusConnection } from '../adapters/janus/janus-connection';
import { JanusMediaGateway } from '../adapters/janus/janus-media-gateway';
import type { JanusSettings } from '../adapters/janus/janus-settings';
import { ConfigError, ms, readEnv, whole } from '../adapters/shared/settings';
import type { Config } from '../config';

/** Janus tuning knobs beyond JANUS_URL and MEDIA_TIMEOUT_MS; all optional. */
const JanusTuning = z.object({
  JANUS_API_SECRET: z.string().min(1).optional(),
  /** Janus drops a session after 60 s of silence by default; janode's keepalive must come well before. */
  JANUS_KEEPALIVE_SECS: whole(1, 300).default(20),
  JANUS_RECONNECT_MIN_MS: ms(1).default(250),
  JANUS_RECONNECT_MAX_MS: ms(1).default(10_000),
  JANUS_CONNECT_WAIT_MS: ms(1).optional(),
  JANUS_PUBLISHER_BITRATE: whole(0, 100_000_000).default(0),
  JANUS_CLIENT_LOG: z.enum(['none', 'error', 'warning']).default('none'),
});

export const janusSettings = (config: Config): JanusSettings => {
  if (!config.JANUS_URL) throw new ConfigError(['JANUS_URL: required when MEDIA_BACKEND=janus (e.g. ws://127.0.0.1:8188)']);
  const t = readEnv(JanusTuning, config.env);
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
