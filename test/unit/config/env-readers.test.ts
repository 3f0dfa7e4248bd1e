import { z } from 'zod';
import { ConfigError, ms, readEnv, whole } from '../../../src/adapters/shared/settings';
import { PresenceConfigError, readPresenceConfig } from '../../../src/adapters/presence/presence-config';
import { readJwtSettings } from '../../../src/composition/auth';
import { redisTuning } from '../../../src/composition/redis-state';
import { loadConfig } from '../../../src/config';

const problemsOf = (run: () => unknown): readonly string[] => {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('one rule per kind of setting', () => {
  const schema = z.object({ N: whole(1, 100).optional(), T: ms(10).optional() });

  it.each(['1e3', '0x1F', '5.0', '-1', 'five', '+5'])('a whole number is decimal digits only: %p is refused', (raw) => {
    expect(problemsOf(() => readEnv(schema, { N: raw }))).toEqual([`N: expected a whole number in decimal digits (got ${JSON.stringify(raw)})`]);
  });

  it('surrounding blanks are trimmed; bounds are checked; a duration is at most ten minutes unless told', () => {
    expect(readEnv(schema, { N: ' 42 ', T: '600000' })).toEqual({ N: 42, T: 600_000 });
    expect(problemsOf(() => readEnv(schema, { N: '101', T: '600001' }))).toHaveLength(2);
  });

  it('secrets are named with their rule, never echoed', () => {
    const secrets = z.object({ KEY: z.string().min(16) });
    expect(problemsOf(() => readEnv(secrets, { KEY: 'short' }, { secret: true }))[0]).not.toContain('short');
    expect(problemsOf(() => readEnv(secrets, { KEY: 'short' }))[0]).toContain('(got "short")');
  });

  // These two used z.coerce, which took "1e3" as 1000, "0x1F4" as 500 and "5.0" as 5; the rule kept is
  // the stricter one every other setting already had (decimal digits only).
  it('Redis and JWT timings follow the same rule as every other number', () => {
    const redis = (env: Record<string, string>) => loadConfig({ STATE_STORE: 'redis', REDIS_URL: 'redis://127.0.0.1:6379', ...env });
    expect(redisTuning(redis({ REDIS_HEARTBEAT_MS: '1000' })).REDIS_HEARTBEAT_MS).toBe(1000);
    expect(problemsOf(() => redisTuning(redis({ REDIS_HEARTBEAT_MS: '1e3' })))).toEqual([
      'REDIS_HEARTBEAT_MS: expected a whole number in decimal digits (got "1e3")',
    ]);
    const jwt = (env: Record<string, string>) => loadConfig({ AUTH: 'jwt', AUTH_JWT_SECRET: 'x'.repeat(32), ...env });
    expect(readJwtSettings(jwt({ AUTH_JWKS_TIMEOUT_MS: '500' }))).toBeDefined();
    expect(problemsOf(() => readJwtSettings(jwt({ AUTH_JWKS_TIMEOUT_MS: '0x1F4' })))).toEqual([
      'AUTH_JWKS_TIMEOUT_MS: expected a whole number in decimal digits',
    ]);
    expect(problemsOf(() => readJwtSettings(jwt({ AUTH_CLOCK_TOLERANCE_SECS: '5.0' })))).toHaveLength(1);
  });

  it('a bad presence setting is a ConfigError like any other', () => {
    expect(() => readPresenceConfig({ PRESENCE_OUTBOX_MAX: '1e3' })).toThrow(PresenceConfigError);
    expect(() => readPresenceConfig({ PRESENCE_OUTBOX_MAX: '1e3' })).toThrow(ConfigError);
  });
});
