import { hostname } from 'node:os';
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

describe('loadConfig', () => {
  it('has a default for everything optional', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 8080,
      HOST: '0.0.0.0',
      LOG_LEVEL: 'info',
      ROOM_CAPACITY: 25,
      MAX_MESSAGE_BYTES: 64 * 1024,
      MAX_QUEUED_MESSAGES: 1024,
      PING_INTERVAL_MS: 30_000,
      MEDIA_BACKEND: 'mesh',
      MEDIA_TIMEOUT_MS: 10_000,
      STATE_STORE: 'memory',
      REDIS_KEY_PREFIX: 'rtc:',
      AUTH: 'none',
    });
    for (const unset of ['NODE_ID', 'PUBLIC_URL', 'STATIC_DIR', 'KURENTO_URL', 'JANUS_URL', 'REDIS_URL', 'REDIS_CLUSTER_NODES', 'PRESENCE_TCP']) {
      expect(config).not.toHaveProperty(unset);
    }
    expect(config.nodeId).toBe(`${hostname()}-${process.pid}`);
    expect(config.env).toEqual({});
  });

  it('reads every setting, converting numbers and lists', () => {
    const env = {
      PORT: '9000',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      NODE_ID: 'node-a.1',
      PUBLIC_URL: 'wss://rtc.example.test/rtc',
      ROOM_CAPACITY: '10',
      MAX_MESSAGE_BYTES: '2048',
      MAX_QUEUED_MESSAGES: '32',
      PING_INTERVAL_MS: '5000',
      STATIC_DIR: '/srv/www',
      MEDIA_BACKEND: 'kurento',
      KURENTO_URL: 'ws://127.0.0.1:8888/kurento, ws://127.0.0.1:8889/kurento',
      MEDIA_TIMEOUT_MS: '2500',
      STATE_STORE: 'redis',
      REDIS_CLUSTER_NODES: '127.0.0.1:7000, 127.0.0.1:7001',
      REDIS_KEY_PREFIX: 'app:rtc:',
      PRESENCE_TCP: '127.0.0.1:4000',
      AUTH: 'jwt',
    };
    const config = loadConfig(env);
    expect(config).toMatchObject({
      PORT: 9000,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      NODE_ID: 'node-a.1',
      nodeId: 'node-a.1',
      PUBLIC_URL: 'wss://rtc.example.test/rtc',
      ROOM_CAPACITY: 10,
      MAX_MESSAGE_BYTES: 2048,
      MAX_QUEUED_MESSAGES: 32,
      PING_INTERVAL_MS: 5000,
      STATIC_DIR: '/srv/www',
      MEDIA_BACKEND: 'kurento',
      KURENTO_URL: ['ws://127.0.0.1:8888/kurento', 'ws://127.0.0.1:8889/kurento'],
      MEDIA_TIMEOUT_MS: 2500,
      STATE_STORE: 'redis',
      REDIS_CLUSTER_NODES: ['127.0.0.1:7000', '127.0.0.1:7001'],
      REDIS_KEY_PREFIX: 'app:rtc:',
      PRESENCE_TCP: '127.0.0.1:4000',
      AUTH: 'jwt',
    });
    expect(config.env).toEqual(env);
  });

  it('treats an empty variable as unset, and keeps unknown variables in env for the backends', () => {
    const config = loadConfig({ PORT: '', ROOM_CAPACITY: '', JANUS_ADMIN_SECRET: 's', UNDEFINED_ONE: undefined });
    expect(config.PORT).toBe(8080);
    expect(config.ROOM_CAPACITY).toBe(25);
    expect(config.env).toEqual({ JANUS_ADMIN_SECRET: 's' });
  });

  it('accepts the range limits', () => {
    expect(loadConfig({ PORT: '0' }).PORT).toBe(0);
    expect(loadConfig({ PORT: '65535' }).PORT).toBe(65535);
    expect(loadConfig({ ROOM_CAPACITY: '1' }).ROOM_CAPACITY).toBe(1);
    expect(loadConfig({ ROOM_CAPACITY: '1000' }).ROOM_CAPACITY).toBe(1000);
    expect(loadConfig({ MAX_MESSAGE_BYTES: '1024' }).MAX_MESSAGE_BYTES).toBe(1024);
    expect(loadConfig({ MAX_MESSAGE_BYTES: String(1024 * 1024) }).MAX_MESSAGE_BYTES).toBe(1024 * 1024);
    expect(loadConfig({ PING_INTERVAL_MS: '1000' }).PING_INTERVAL_MS).toBe(1000);
    expect(loadConfig({ STATE_STORE: 'redis', REDIS_URL: 'rediss://127.0.0.1:6380/0' }).REDIS_URL).toBe('rediss://127.0.0.1:6380/0');
    expect(loadConfig({ MEDIA_BACKEND: 'janus', JANUS_URL: 'ws://127.0.0.1:8188' }).JANUS_URL).toBe('ws://127.0.0.1:8188');
    expect(loadConfig({ REDIS_KEY_PREFIX: '' }).REDIS_KEY_PREFIX).toBe('rtc:');
  });

  it.each<[string, string]>([
    ['PORT', 'abc'],
    ['PORT', '-1'],
    ['PORT', '65536'],
    ['PORT', '80.5'],
    ['LOG_LEVEL', 'verbose'],
    ['NODE_ID', 'has space'],
    ['NODE_ID', 'n'.repeat(65)],
    ['PUBLIC_URL', 'http://rtc.example.test'],
    ['PUBLIC_URL', 'not a url'],
    ['ROOM_CAPACITY', '0'],
    ['ROOM_CAPACITY', '1001'],
    ['ROOM_CAPACITY', 'many'],
    ['MAX_MESSAGE_BYTES', '1023'],
    ['MAX_MESSAGE_BYTES', String(1024 * 1024 + 1)],
    ['MAX_QUEUED_MESSAGES', '0'],
    ['PING_INTERVAL_MS', '999'],
    ['MEDIA_BACKEND', 'mediasoup'],
    ['KURENTO_URL', 'http://127.0.0.1:8888/kurento'],
    ['KURENTO_URL', 'ws://127.0.0.1:8888/kurento,nonsense'],
    ['KURENTO_URL', ' , '],
    ['JANUS_URL', 'http://127.0.0.1:8088/janus'],
    ['MEDIA_TIMEOUT_MS', '-5'],
    ['STATE_STORE', 'postgres'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['REDIS_CLUSTER_NODES', '127.0.0.1'],
    ['REDIS_CLUSTER_NODES', '127.0.0.1:7000,bad host:1'],
    ['REDIS_KEY_PREFIX', 'has space'],
    ['PRESENCE_TCP', '127.0.0.1'],
    ['PRESENCE_TCP', 'host:port'],
    ['AUTH', 'basic'],
  ])('%s=%p is refused and named, with the value', (key, value) => {
    const problems = problemsOf({ [key]: value });
    expect(problems).toHaveLength(1);
    // List variables name the bad entry too: KURENTO_URL.1, REDIS_CLUSTER_NODES.0.
    expect(problems[0]).toMatch(new RegExp(`^${key}(\\.\\d+)?: `));
    expect(problems[0]).toContain(`(got ${JSON.stringify(value)})`);
  });

  it('names the bad entry of a list', () => {
    expect(problemsOf({ KURENTO_URL: 'ws://127.0.0.1:8888/kurento,nonsense' })).toEqual([expect.stringMatching(/^KURENTO_URL\.1: /)]);
    expect(problemsOf({ REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1' })).toEqual([expect.stringMatching(/^REDIS_CLUSTER_NODES\.1: expected host:port/)]);
  });

  it('names every bad value at once', () => {
    const problems = problemsOf({ PORT: 'x', LOG_LEVEL: 'loud', ROOM_CAPACITY: '0' });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['LOG_LEVEL', 'PORT', 'ROOM_CAPACITY']);
  });

  it('ConfigError lists the problems in its message', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).name).toBe('ConfigError');
    expect((error as ConfigError).message).toMatch(/^invalid configuration:\n {2}- PORT: /);
  });

  describe('required companions', () => {
    it('MEDIA_BACKEND=kurento needs KURENTO_URL', () => {
      const problems = problemsOf({ MEDIA_BACKEND: 'kurento' });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^KURENTO_URL: required when MEDIA_BACKEND=kurento/);
    });

    it('MEDIA_BACKEND=janus needs JANUS_URL', () => {
      expect(problemsOf({ MEDIA_BACKEND: 'janus' })).toEqual([expect.stringMatching(/^JANUS_URL: required when MEDIA_BACKEND=janus/)]);
    });

    it('an empty companion counts as missing', () => {
      expect(problemsOf({ MEDIA_BACKEND: 'janus', JANUS_URL: '' })).toEqual([expect.stringMatching(/^JANUS_URL: /)]);
    });

    it('STATE_STORE=redis needs REDIS_URL or REDIS_CLUSTER_NODES', () => {
      expect(problemsOf({ STATE_STORE: 'redis' })).toEqual([expect.stringMatching(/^REDIS_URL: REDIS_URL or REDIS_CLUSTER_NODES is required/)]);
      expect(loadConfig({ STATE_STORE: 'redis', REDIS_URL: 'redis://127.0.0.1:6379' }).STATE_STORE).toBe('redis');
      expect(loadConfig({ STATE_STORE: 'redis', REDIS_CLUSTER_NODES: '127.0.0.1:7000' }).REDIS_CLUSTER_NODES).toEqual(['127.0.0.1:7000']);
    });

    it('both missing companions are named together', () => {
      const problems = problemsOf({ MEDIA_BACKEND: 'kurento', STATE_STORE: 'redis' });
      expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['KURENTO_URL', 'REDIS_URL']);
    });

    it('a companion set for a backend that is not chosen is allowed and ignored', () => {
      const config = loadConfig({ MEDIA_BACKEND: 'mesh', KURENTO_URL: 'ws://127.0.0.1:8888/kurento' });
      expect(config.MEDIA_BACKEND).toBe('mesh');
    });
  });
});

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
