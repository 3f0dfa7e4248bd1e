import { z } from 'zod';
import { ms, whole } from '../shared/settings';

/** How the Janus gateway talks to Janus; built from JANUS_* variables in src/composition/janus-media.ts. */
export interface JanusSettings {
  /** Janus's WebSocket API, e.g. ws://127.0.0.1:8188 */
  readonly url: string;
  readonly apiSecret?: string;
  /** Deadline for every request to Janus (MEDIA_TIMEOUT_MS). */
  readonly requestTimeoutMs: number;
  /** How often janode sends a session keepalive; must stay well under Janus's session_timeout (60 s by default). */
  readonly keepaliveSecs: number;
  /** Reconnect backoff after Janus is lost: first delay, doubled per failed attempt up to the cap. */
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  /** How long a join waits for a connection to Janus that is being (re)established before it is refused. */
  readonly connectWaitMs: number;
  /** Bitrate cap per publisher in bits/s, told to Janus when a room is created; 0 leaves Janus's default. */
  readonly publisherBitrate: number;
  /** janode's own console logging; it never goes beyond warnings so no SDP is printed. */
  readonly clientLogLevel: 'none' | 'error' | 'warning';
}

/** The JANUS_* tuning variables beyond JANUS_URL and MEDIA_TIMEOUT_MS (src/config.ts); all optional. */
export const JanusEnv = z.object({
  JANUS_API_SECRET: z.string().min(1).optional(),
  /** Janus drops a session after 60 s of silence by default; janode's keepalive must come well before. */
  JANUS_KEEPALIVE_SECS: whole(1, 300).default(20),
  JANUS_RECONNECT_MIN_MS: ms(1).default(250),
  JANUS_RECONNECT_MAX_MS: ms(1).default(10_000),
  JANUS_CONNECT_WAIT_MS: ms(1).optional(),
  JANUS_PUBLISHER_BITRATE: whole(0, 100_000_000).default(0),
  JANUS_CLIENT_LOG: z.enum(['none', 'error', 'warning']).default('none'),
});
