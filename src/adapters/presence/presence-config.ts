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
};

/** Environment variable per tuning field. */
const tuningVariables: Readonly<Record<keyof PresenceTuning, string>> = {
  replyTimeoutMs: 'PRESENCE_REPLY_TIMEOUT_MS',
  connectTimeoutMs: 'PRESENCE_CONNECT_TIMEOUT_MS',
  backoffBaseMs: 'PRESENCE_BACKOFF_BASE_MS',
  backoffMaxMs: 'PRESENCE_BACKOFF_MAX_MS',
  outboxMax: 'PRESENCE_OUTBOX_MAX',
  redisTimeoutMs: 'PRESENCE_REDIS_TIMEOUT_MS',
};

/**
 * Reads `PRESENCE_TCP=host:port` (unset or empty: off) and the tuning variables. Throws on a malformed
 * value: a typo in configuration should stop the boot, not silently disable presence.
 */
export function readPresenceConfig(env: Readonly<Record<string, string | undefined>>): PresenceConfig {
  const tuning = { ...defaultPresenceTuning };
  for (const key of Object.keys(tuningVariables) as (keyof PresenceTuning)[]) {
    const name = tuningVariables[key];
    const raw = env[name]?.trim();
    if (raw) tuning[key] = positiveInteger(name, raw);
  }
  if (tuning.backoffMaxMs < tuning.backoffBaseMs) {
    throw new Error(`PRESENCE_BACKOFF_MAX_MS (${tuning.backoffMaxMs}) is below PRESENCE_BACKOFF_BASE_MS (${tuning.backoffBaseMs})`);
  }
  const endpoint = env.PRESENCE_TCP?.trim();
  return endpoint ? { ...tuning, endpoint: parseEndpoint(endpoint) } : tuning;
}

function positiveInteger(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** Accepts `host:port` and `[ipv6]:port`. */
export function parseEndpoint(text: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`PRESENCE_TCP must be host:port, got "${text}"`);
  }
  return { host, port };
}
