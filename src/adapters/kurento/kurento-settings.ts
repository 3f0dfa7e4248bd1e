import { z } from 'zod';
import { ms, whole } from '../shared/settings';

/** Tuning of the Kurento adapter. Every value but `urls` has a default that suits a production KMS. */
export interface KurentoSettings {
  /** One or more KMS WebSocket URLs (`ws://host:8888/kurento`); new rooms go to the least loaded. */
  readonly urls: readonly string[];
  /** Deadline of every call to KMS. */
  readonly requestTimeoutMs?: number;
  /** Deadline of one connection attempt (WebSocket open plus the first ping). */
  readonly connectTimeoutMs?: number;
  /** A ping is sent this often to each KMS, to notice one that hangs with its socket open. */
  readonly healthIntervalMs?: number;
  readonly healthTimeoutMs?: number;
  /** Consecutive failed pings (with nothing else answered meanwhile) after which the socket is dropped and the session resumed. */
  readonly healthFailures?: number;
  /** How long a lost socket may take to come back and resume its KMS session before its rooms count as lost. */
  readonly resumeWindowMs?: number;
  /** Reconnection backoff: first delay and cap. */
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  /** Client candidates kept per link while its endpoint does not exist yet. */
  readonly maxBufferedCandidates?: number;
  /** How long a first join waits for a KMS that is (re)connecting before it is refused. */
  readonly joinWaitMs?: number;
}

export type ResolvedKurentoSettings = Required<KurentoSettings>;

export const resolveKurentoSettings = (s: KurentoSettings): ResolvedKurentoSettings => {
  if (s.urls.length === 0) throw new RangeError('at least one Kurento URL is required');
  return {
    urls: [...s.urls],
    requestTimeoutMs: s.requestTimeoutMs ?? 10_000,
    connectTimeoutMs: s.connectTimeoutMs ?? 5_000,
    healthIntervalMs: s.healthIntervalMs ?? 3_000,
    healthTimeoutMs: s.healthTimeoutMs ?? 2_000,
    healthFailures: s.healthFailures ?? 2,
    resumeWindowMs: s.resumeWindowMs ?? 10_000,
    reconnectMinMs: s.reconnectMinMs ?? 500,
    reconnectMaxMs: s.reconnectMaxMs ?? 10_000,
    maxBufferedCandidates: s.maxBufferedCandidates ?? 64,
    joinWaitMs: s.joinWaitMs ?? 2_000,
  };
};

/** The KURENTO_* tuning variables (KURENTO_URL itself is in src/config.ts); unset ones take the defaults below. */
export const KurentoEnv = z.object({
  KURENTO_CONNECT_TIMEOUT_MS: ms(1).optional(),
  KURENTO_HEALTH_INTERVAL_MS: whole(100, 600_000).optional(),
  KURENTO_HEALTH_TIMEOUT_MS: ms(1).optional(),
  KURENTO_HEALTH_FAILURES: whole(1, 100).optional(),
  KURENTO_RESUME_WINDOW_MS: whole(0, 600_000).optional(),
  KURENTO_RECONNECT_MIN_MS: ms(1).optional(),
  KURENTO_RECONNECT_MAX_MS: ms(1).optional(),
  KURENTO_MAX_BUFFERED_CANDIDATES: whole(0, 10_000).optional(),
  KURENTO_JOIN_WAIT_MS: whole(0, 600_000).optional(),
});
