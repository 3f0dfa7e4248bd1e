import { z } from 'zod';
import { ConfigError, readEnv, whole, type Environment } from '../shared/settings';

/** Tuning of the TCP presence notifier; every field has a default (see `defaultPresenceTuning`). */
export interface PresenceTuning {
  /** Waiting this long for the reply to one message means the connection is broken: reconnect and resend. */
  readonly replyTimeoutMs: number;
  readonly connectTimeoutMs: number;
  /** First reconnect delay; doubles per failed attempt up to `backoffMaxMs`, with jitter. */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** Most messages waiting; beyond it the oldest are dropped (and counted). */
  readonly outboxMax: number;
  /** Each call to Redis (outbox persistence) gives up after this long and is retried. */
  readonly redisTimeoutMs: number;
  /** A node silent in Redis for this long counts as dead: other nodes may take its outbox over. */
  readonly outboxLivenessMs: number;
  /** How often each node looks for dead nodes' outboxes in Redis. */
  readonly outboxSweepMs: number;
}

export interface PresenceConfig extends PresenceTuning {
  /** Undefined: presence notifications are off. */
  readonly endpoint?: { readonly host: string; readonly port: number };
}

export const defaultPresenceTuning: PresenceTuning = {
  replyTimeoutMs: 5_000,
  connectTimeoutMs: 5_000,
  backoffBaseMs: 200,
  backoffMaxMs: 10_000,
  outboxMax: 10_000,
  redisTimeoutMs: 2_000,
  outboxLivenessMs: 15_000,
  outboxSweepMs: 15_000,
};

/** A tuning value: positive, at most `max`. */
const tuning = (max: number) => whole(1, max).optional();

const HOUR_MS = 3_600_000;

/** Environment variable per tuning field, with its upper bound. */
const TuningSchema = z.object({
  PRESENCE_REPLY_TIMEOUT_MS: tuning(HOUR_MS),
  PRESENCE_CONNECT_TIMEOUT_MS: tuning(HOUR_MS),
  PRESENCE_BACKOFF_BASE_MS: tuning(HOUR_MS),
  PRESENCE_BACKOFF_MAX_MS: tuning(HOUR_MS),
  PRESENCE_OUTBOX_MAX: tuning(10_000_000),
  PRESENCE_REDIS_TIMEOUT_MS: tuning(HOUR_MS),
  PRESENCE_OUTBOX_LIVENESS_MS: tuning(HOUR_MS),
  PRESENCE_OUTBOX_SWEEP_MS: tuning(HOUR_MS),
  PRESENCE_TCP: z
    .string()
    .trim()
    .transform((text, context) => {
      const endpoint = parseEndpoint(text);
      if (!endpoint) context.addIssue({ code: 'custom', message: 'expected host:port or [ipv6]:port with a port from 1 to 65535' });
      return endpoint ?? z.NEVER;
    })
    .optional(),
});

/** Every bad presence setting at once, each naming its variable. */
export class PresenceConfigError extends ConfigError {
  constructor(problems: readonly string[]) {
    super(problems);
    this.name = 'PresenceConfigError';
  }
}

/**
 * Reads `PRESENCE_TCP=host:port` (unset or empty: off) and the tuning variables. Throws a
 * `PresenceConfigError` on a malformed value: a typo in configuration should stop the boot, not
 * silently disable presence or run with a default nobody chose.
 */
export function readPresenceConfig(env: Environment): PresenceConfig {
  // An empty or blank variable means "not set", as shells and compose files often leave them.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value?.trim()));
  let v: z.output<typeof TuningSchema>;
  try {
    v = readEnv(TuningSchema, present);
  } catch (error) {
    throw error instanceof ConfigError ? new PresenceConfigError(error.problems) : error;
  }
  const d = defaultPresenceTuning;
  const tuning: PresenceTuning = {
    replyTimeoutMs: v.PRESENCE_REPLY_TIMEOUT_MS ?? d.replyTimeoutMs,
    connectTimeoutMs: v.PRESENCE_CONNECT_TIMEOUT_MS ?? d.connectTimeoutMs,
    backoffBaseMs: v.PRESENCE_BACKOFF_BASE_MS ?? d.backoffBaseMs,
    backoffMaxMs: v.PRESENCE_BACKOFF_MAX_MS ?? d.backoffMaxMs,
    outboxMax: v.PRESENCE_OUTBOX_MAX ?? d.outboxMax,
    redisTimeoutMs: v.PRESENCE_REDIS_TIMEOUT_MS ?? d.redisTimeoutMs,
    outboxLivenessMs: v.PRESENCE_OUTBOX_LIVENESS_MS ?? d.outboxLivenessMs,
    outboxSweepMs: v.PRESENCE_OUTBOX_SWEEP_MS ?? d.outboxSweepMs,
  };
  const problems: string[] = [];
  if (tuning.backoffMaxMs < tuning.backoffBaseMs) {
    problems.push(`PRESENCE_BACKOFF_MAX_MS (${tuning.backoffMaxMs}) is below PRESENCE_BACKOFF_BASE_MS (${tuning.backoffBaseMs})`);
  }
  // A heartbeat every third of the liveness must fit in, with room for a slow Redis call.
  if (tuning.outboxLivenessMs < 3 * tuning.redisTimeoutMs) {
    problems.push(`PRESENCE_OUTBOX_LIVENESS_MS (${tuning.outboxLivenessMs}) must be at least 3 x PRESENCE_REDIS_TIMEOUT_MS (${tuning.redisTimeoutMs})`);
  }
  if (problems.length > 0) throw new PresenceConfigError(problems);
  return v.PRESENCE_TCP ? { ...tuning, endpoint: v.PRESENCE_TCP } : tuning;
}

/** Accepts `host:port` and `[ipv6]:port`; undefined for anything else. */
export function parseEndpoint(text: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  return host && Number.isInteger(port) && port >= 1 && port <= 65_535 ? { host, port } : undefined;
}
