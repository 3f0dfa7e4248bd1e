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
