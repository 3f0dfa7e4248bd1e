import { PresenceConfigError, defaultPresenceTuning, parseEndpoint, readPresenceConfig } from '../../../src/adapters/presence/presence-config';

describe('presence configuration', () => {
  it('is off with the documented defaults when PRESENCE_TCP is unset or empty', () => {
    expect(readPresenceConfig({})).toEqual(defaultPresenceTuning);
    expect(readPresenceConfig({ PRESENCE_TCP: '  ' }).endpoint).toBeUndefined();
    expect(defaultPresenceTuning).toEqual({
      replyTimeoutMs: 5_000,
      connectTimeoutMs: 5_000,
      backoffBaseMs: 200,
      backoffMaxMs: 10_000,
      outboxMax: 10_000,
      redisTimeoutMs: 2_000,
      outboxLivenessMs: 15_000,
      outboxSweepMs: 15_000,
    });
  });

  it('reads host:port and the tuning variables', () => {
    const config = readPresenceConfig({
      PRESENCE_TCP: 'presence.internal:7070',
      PRESENCE_REPLY_TIMEOUT_MS: '1500',
      PRESENCE_CONNECT_TIMEOUT_MS: '800',
      PRESENCE_BACKOFF_BASE_MS: '50',
      PRESENCE_BACKOFF_MAX_MS: '3000',
      PRESENCE_OUTBOX_MAX: '500',
      PRESENCE_REDIS_TIMEOUT_MS: '900',
      PRESENCE_OUTBOX_LIVENESS_MS: '3000',
      PRESENCE_OUTBOX_SWEEP_MS: '1000',
    });
    expect(config).toEqual({
      endpoint: { host: 'presence.internal', port: 7070 },
      replyTimeoutMs: 1500,
      connectTimeoutMs: 800,
      backoffBaseMs: 50,
      backoffMaxMs: 3000,
      outboxMax: 500,
      redisTimeoutMs: 900,
      outboxLivenessMs: 3000,
      outboxSweepMs: 1000,
    });
  });

  it('accepts bracketed IPv6', () => {
    expect(parseEndpoint('[::1]:9000')).toEqual({ host: '::1', port: 9000 });
  });

  it.each(['localhost', ':80', 'host:0', 'host:70000', 'host:port', 'a b:1'])('refuses endpoint %p', (text) => {
    expect(() => readPresenceConfig({ PRESENCE_TCP: text })).toThrow(/PRESENCE_TCP/);
  });

  it('refuses non-positive or non-integer tuning and a cap below the base', () => {
    expect(() => readPresenceConfig({ PRESENCE_OUTBOX_MAX: '0' })).toThrow(/PRESENCE_OUTBOX_MAX/);
    expect(() => readPresenceConfig({ PRESENCE_REPLY_TIMEOUT_MS: '1.5' })).toThrow(/PRESENCE_REPLY_TIMEOUT_MS/);
    expect(() => readPresenceConfig({ PRESENCE_BACKOFF_BASE_MS: '500', PRESENCE_BACKOFF_MAX_MS: '100' })).toThrow(/BACKOFF/);
    expect(() => readPresenceConfig({ PRESENCE_OUTBOX_LIVENESS_MS: '1000', PRESENCE_REDIS_TIMEOUT_MS: '500' })).toThrow(/LIVENESS/);
  });

  it.each(['1e3', '0x10', '-5', '12ms', '99999999999'])('refuses the tuning value %p (decimal digits within bounds only)', (raw) => {
    expect(() => readPresenceConfig({ PRESENCE_REPLY_TIMEOUT_MS: raw })).toThrow(/PRESENCE_REPLY_TIMEOUT_MS/);
  });

  it('treats empty tuning variables as unset and reports every bad value at once', () => {
    expect(readPresenceConfig({ PRESENCE_OUTBOX_MAX: ' ' }).outboxMax).toBe(defaultPresenceTuning.outboxMax);
    let caught: unknown;
    try {
      readPresenceConfig({ PRESENCE_TCP: 'nowhere', PRESENCE_OUTBOX_MAX: 'lots', PRESENCE_BACKOFF_BASE_MS: '0' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PresenceConfigError);
    const problems = (caught as PresenceConfigError).problems.join('\n');
    expect(problems).toMatch(/PRESENCE_OUTBOX_MAX/);
    expect(problems).toMatch(/PRESENCE_BACKOFF_BASE_MS/);
    expect(problems).toMatch(/PRESENCE_TCP/);
  });
});
