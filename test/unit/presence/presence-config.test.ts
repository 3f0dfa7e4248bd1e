import { defaultPresenceTuning, parseEndpoint, readPresenceConfig } from '../../../src/adapters/presence/presence-config';

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
    });
    expect(config).toEqual({
      endpoint: { host: 'presence.internal', port: 7070 },
      replyTimeoutMs: 1500,
      connectTimeoutMs: 800,
      backoffBaseMs: 50,
      backoffMaxMs: 3000,
      outboxMax: 500,
      redisTimeoutMs: 900,
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
  });
});
