import { TurnRestCredentials } from '../../../src/adapters/turn/turn-rest-credentials';
import { createIceServers } from '../../../src/composition/ice-servers';
import { ConfigError, loadConfig } from '../../../src/config';

const SECRET = 'coturn-shared-secret-0123';
const NOW = 1_700_000_000_123;

describe('TURN credentials in the shared-secret (TURN REST API) scheme', () => {
  it('username is `<expiry in unix seconds>:<userId>`, password Base64(HMAC-SHA1(secret, username))', () => {
    const provider = new TurnRestCredentials({ stunUrls: [], turnUrls: ['turn:turn.example.org:3478'], secret: SECRET, ttlSeconds: 86_400, now: () => NOW });
    // Expected values computed with Python's hmac module, not with this code.
    expect(provider.iceServersFor('alice')).toEqual([
      { urls: ['turn:turn.example.org:3478'], username: '1700086400:alice', credential: 'EqpLFU/2bCGTRBr8UYoAMmRxCDE=' },
    ]);
    expect(provider.iceServersFor('김희동')).toEqual([
      { urls: ['turn:turn.example.org:3478'], username: '1700086400:김희동', credential: 'WYQaFi37+5hQnOU/yEOv1kxBJt0=' },
    ]);
  });

  it('ids coturn would refuse are escaped, or named by their digest, and stay distinct', () => {
    const provider = new TurnRestCredentials({ stunUrls: [], turnUrls: ['turn:t:3478'], secret: SECRET, ttlSeconds: 86_400, now: () => NOW });
    const usernameOf = (userId: string): string => provider.iceServersFor(userId)[0]!.username!;
    expect(usernameOf('heedong kim')).toBe('1700086400:heedong%20kim');
    expect(usernameOf(`o'brien "\\x"`)).toBe('1700086400:o%27brien%20%22%5Cx%22');
    // `%` is escaped too: an id that reads like an escape is not the escaped form of another one.
    expect(usernameOf('heedong%20kim')).toBe('1700086400:heedong%2520kim');
    expect(usernameOf('reunion-selection')).toMatch(/^1700086400:%sha256:[0-9a-f]{64}$/);
    expect(usernameOf('😀'.repeat(128))).toMatch(/^1700086400:%sha256:[0-9a-f]{64}$/);
    expect(usernameOf('😀'.repeat(125))).toBe(`1700086400:${'😀'.repeat(125)}`);
    expect(usernameOf('😀'.repeat(127))).not.toBe(usernameOf('😀'.repeat(128)));
  });

  it('the expiry is now plus the TTL, in whole seconds, and moves with the clock', () => {
    let now = NOW;
    const provider = new TurnRestCredentials({ stunUrls: [], turnUrls: ['turn:t:3478'], secret: SECRET, ttlSeconds: 600, now: () => now });
    expect(provider.iceServersFor('bob')[0]?.username).toBe(`${Math.floor(NOW / 1000) + 600}:bob`);
    now += 60_000;
    expect(provider.iceServersFor('bob')[0]?.username).toBe(`${Math.floor(NOW / 1000) + 660}:bob`);
  });

  it('STUN entries carry no credentials; without a secret there is nothing TURN-related', () => {
    const stunOnly = new TurnRestCredentials({ stunUrls: ['stun:stun.example.org'], turnUrls: [], ttlSeconds: 600 });
    expect(stunOnly.iceServersFor('a')).toEqual([{ urls: ['stun:stun.example.org'] }]);
    expect(new TurnRestCredentials({ stunUrls: [], turnUrls: ['turn:t:3478'], ttlSeconds: 600 }).iceServersFor('a')).toEqual([]);
  });
});

describe('ICE server settings', () => {
  const config = (env: Record<string, string>) => loadConfig(env);

  it('reads STUN_URLS, TURN_URLS, TURN_SECRET and TURN_TTL_S (a day by default)', () => {
    const servers = createIceServers(
      config({ STUN_URLS: 'stun:a.example:3478, stun:b.example', TURN_URLS: 'turn:t.example:3478?transport=udp,turns:t.example:5349', TURN_SECRET: SECRET }),
    ).iceServersFor('u');
    expect(servers[0]).toEqual({ urls: ['stun:a.example:3478', 'stun:b.example'] });
    expect(servers[1]).toMatchObject({ urls: ['turn:t.example:3478?transport=udp', 'turns:t.example:5349'] });
    const expiry = Number(servers[1]?.username?.split(':')[0]);
    expect(expiry - Date.now() / 1000).toBeGreaterThan(86_400 - 5);
    expect(expiry - Date.now() / 1000).toBeLessThanOrEqual(86_400);
  });

  it('hands out nothing when nothing is set', () => {
    expect(createIceServers(config({})).iceServersFor('u')).toEqual([]);
  });

  it.each([
    [{ TURN_URLS: 'turn:t:3478' }, /TURN_URLS and TURN_SECRET/],
    [{ TURN_SECRET: SECRET }, /TURN_URLS and TURN_SECRET/],
    [{ TURN_URLS: 'http://t:3478', TURN_SECRET: SECRET }, /TURN_URLS/],
    [{ STUN_URLS: 'turn:t:3478' }, /STUN_URLS/],
    [{ TURN_URLS: 'turn:t', TURN_SECRET: 'short' }, /TURN_SECRET/],
    [{ TURN_URLS: 'turn:t', TURN_SECRET: SECRET, TURN_TTL_S: '1e3' }, /TURN_TTL_S/],
  ])('refuses %j at start-up', (env, problem) => {
    let error: unknown;
    try {
      createIceServers(config(env as Record<string, string>));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toMatch(problem);
    // The secret never appears in what is reported.
    expect(String(error)).not.toContain(SECRET);
  });
});
