import { ConfigError, loadConfig, type Environment } from '../../../src/config';

const problemsOf = (env: Environment): readonly string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
};

describe('numeric settings', () => {
  it.each([' ', '0x1F', '1e3', '80.5', '-1', '8080abc'])('PORT=%j is refused, not read as a number', (value) => {
    const problems = problemsOf({ PORT: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^PORT: /);
  });

  it('accepts decimal digits with surrounding blanks', () => {
    expect(loadConfig({ PORT: ' 9000 ', ROOM_CAPACITY: '7' })).toMatchObject({ PORT: 9000, ROOM_CAPACITY: 7 });
  });

  it('MAX_ROOMS_PER_NODE is optional and must be at least 1', () => {
    expect(loadConfig({}).MAX_ROOMS_PER_NODE).toBeUndefined();
    expect(loadConfig({ MAX_ROOMS_PER_NODE: '500' }).MAX_ROOMS_PER_NODE).toBe(500);
    expect(problemsOf({ MAX_ROOMS_PER_NODE: '0' })[0]).toMatch(/^MAX_ROOMS_PER_NODE: /);
  });
});

describe('settings that need each other', () => {
  it('a missing companion is reported together with an unrelated bad value', () => {
    const problems = problemsOf({ PORT: 'x', MEDIA_BACKEND: 'janus', STATE_STORE: 'redis' });
    expect(problems.some((p) => p.startsWith('PORT: '))).toBe(true);
    expect(problems.some((p) => p.startsWith('JANUS_URL: required'))).toBe(true);
    expect(problems.some((p) => p.startsWith('REDIS_URL: '))).toBe(true);
  });
});

describe('PRESENCE_TCP', () => {
  it('takes a host name, IPv4 or bracketed IPv6 with a port', () => {
    expect(loadConfig({ PRESENCE_TCP: 'presence.internal:7000' }).PRESENCE_TCP).toBe('presence.internal:7000');
    expect(loadConfig({ PRESENCE_TCP: '[::1]:7000' }).PRESENCE_TCP).toBe('[::1]:7000');
    expect(problemsOf({ PRESENCE_TCP: '::1:7000' })[0]).toMatch(/^PRESENCE_TCP: /);
  });
});
