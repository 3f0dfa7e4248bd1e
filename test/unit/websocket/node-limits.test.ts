import type { IncomingMessage } from 'node:http';
import { readNodeLimits } from '../../../src/composition/limits';
import { ConfigError, loadConfig } from '../../../src/config';

const request = (origin: string | undefined, remoteAddress = '10.0.0.1'): IncomingMessage =>
  ({ headers: origin === undefined ? {} : { origin }, socket: { remoteAddress } }) as unknown as IncomingMessage;

describe('node limits (src/composition/limits.ts)', () => {
  it('has documented defaults', () => {
    const limits = readNodeLimits(loadConfig({}));
    expect(limits.session).toEqual({
      messagesPerSecond: 50,
      // A member joining a full room of 25 negotiates with 24 others at once: 25 × 34 + 50.
      messageBurst: 900,
      maxRateLimitStrikes: 50,
      joinsPerMinute: 20,
      iceCandidatesPerLink: 200,
      maxQueuedBytes: 2 * 1024 * 1024,
      roomCapacity: 25,
    });
    expect(limits.guard.perIp.maxPerIp).toBe(50);
    expect(limits.guard.origins.restricts).toBe(false);
    expect(limits.http).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, checkIntervalMs: 1_000 });
    expect(limits.maxSendBacklogBytes).toBe(2 * 1024 * 1024);
    expect(limits.httpRequests.maxPerIp).toBe(100);
    expect(limits.trustedProxies.entries).toEqual([]);
    // No trusted proxy: X-Forwarded-For is ignored.
    const forwarded = { headers: { 'x-forwarded-for': '198.51.100.1' }, socket: { remoteAddress: '10.0.0.1' } } as unknown as IncomingMessage;
    expect(limits.clientAddress(forwarded)).toBe('10.0.0.1');
  });

  it('LOAD_SHED_LAG_MS: 2 s by default, 0 turns it off, values the 20 ms gauge cannot tell from a busy turn are refused', () => {
    const gauge = (env: Record<string, string>) => readNodeLimits(loadConfig(env)).loopLoad;
    expect(gauge({}).windowMs).toBe(1_000);
    expect(() => gauge({ LOAD_SHED_LAG_MS: '0' })).not.toThrow();
    expect(() => gauge({ LOAD_SHED_LAG_MS: '100' })).not.toThrow();
    expect(() => gauge({ LOAD_SHED_LAG_MS: '20' })).toThrow(ConfigError);
    expect(() => gauge({ LOAD_SHED_LAG_MS: '-1' })).toThrow(ConfigError);
  });

  it('the default burst follows ROOM_CAPACITY (never below the rate); MESSAGE_BURST overrides it', () => {
    expect(readNodeLimits(loadConfig({ ROOM_CAPACITY: '10' })).session.messageBurst).toBe(10 * 34 + 50);
    expect(readNodeLimits(loadConfig({ ROOM_CAPACITY: '2', MESSAGES_PER_SECOND: '500' })).session.messageBurst).toBe(500);
    expect(readNodeLimits(loadConfig({ ROOM_CAPACITY: '100', MESSAGE_BURST: '300' })).session.messageBurst).toBe(300);
  });

  it('TRUST_PROXY: the forwarded address counts against the per-address limits of connections', () => {
    const limits = readNodeLimits(loadConfig({ TRUST_PROXY: '10.0.0.0/8, ::1', MAX_CONNECTIONS_PER_IP: '1' }));
    const viaProxy = (client: string) =>
      ({ headers: { 'x-forwarded-for': client }, socket: { remoteAddress: '10.0.0.1' } }) as unknown as IncomingMessage;
    expect(limits.clientAddress(viaProxy('198.51.100.1'))).toBe('198.51.100.1');
    limits.guard.perIp.tryAcquire(limits.guard.addressOf(viaProxy('198.51.100.1')));
    expect(limits.guard.check(viaProxy('198.51.100.1'))).toEqual({ status: 429, reason: 'too many connections from this address' });
    expect(limits.guard.check(viaProxy('198.51.100.2'))).toBeUndefined();
  });

  it('IPV6_LIMIT_PREFIX: 64 by default, one key for every per-address limit, 32-128 only', () => {
    const keyOf = (env: Record<string, string>) => readNodeLimits(loadConfig(env)).limitKeyOf;
    expect(keyOf({})('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(keyOf({ IPV6_LIMIT_PREFIX: '48' })('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1::/48');
    expect(keyOf({ IPV6_LIMIT_PREFIX: '128' })('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2:3:4:5:6');
    for (const bad of ['31', '129', '64.0', 'x']) expect(() => keyOf({ IPV6_LIMIT_PREFIX: bad })).toThrow(ConfigError);
    const limits = readNodeLimits(loadConfig({ IPV6_LIMIT_PREFIX: '56', MAX_CONNECTIONS_PER_IP: '1', MAX_HTTP_REQUESTS_PER_IP: '1', ROOM_LOOKUPS_PER_MINUTE: '1' }));
    expect(limits.guard.perIp.tryAcquire('2001:db8:1:200::1')).toBeDefined();
    expect(limits.guard.perIp.tryAcquire('2001:db8:1:2ff::1')).toBeUndefined();
    expect(limits.httpRequests.tryAcquire('2001:db8:1:200::1')).toBeDefined();
    expect(limits.httpRequests.tryAcquire('2001:db8:1:2ff::1')).toBeUndefined();
    expect(limits.roomLookups.take('2001:db8:1:200::1')).toBe(0);
    expect(limits.roomLookups.take('2001:db8:1:2ff::1')).toBeGreaterThan(0);
    expect(limits.roomLookups.take('2001:db8:1:300::1')).toBe(0);
  });

  it('reads every variable', () => {
    const limits = readNodeLimits(
      loadConfig({
        ALLOWED_ORIGINS: 'https://app.example.com, https://*.example.org',
        MAX_CONNECTIONS_PER_IP: '3',
        MESSAGES_PER_SECOND: '5',
        MESSAGE_BURST: '7',
        RATE_LIMIT_STRIKES: '2',
        JOINS_PER_MINUTE: '4',
        ICE_CANDIDATES_PER_LINK: '9',
        MAX_QUEUED_BYTES: '100000',
        HTTP_HEADERS_TIMEOUT_MS: '2000',
        HTTP_REQUEST_TIMEOUT_MS: '4000',
      }),
    );
    expect(limits.session).toEqual({ messagesPerSecond: 5, messageBurst: 7, maxRateLimitStrikes: 2, joinsPerMinute: 4, iceCandidatesPerLink: 9, maxQueuedBytes: 100_000, roomCapacity: 25 });
    expect(limits.guard.perIp.maxPerIp).toBe(3);
    expect(limits.http).toEqual({ headersTimeoutMs: 2000, requestTimeoutMs: 4000, checkIntervalMs: 1000 });
    expect(limits.guard.checkOrigin(request('https://app.example.com'))).toBeUndefined();
    expect(limits.guard.checkOrigin(request('https://x.example.org'))).toBeUndefined();
    expect(limits.guard.checkOrigin(request('https://evil.example'))).toEqual({ status: 403, reason: 'origin not allowed' });
  });

  it('ICE_CANDIDATES_PER_LINK: refused above what a budget can count (2^26 - 1)', () => {
    expect(readNodeLimits(loadConfig({ ICE_CANDIDATES_PER_LINK: '67108863' })).session.iceCandidatesPerLink).toBe(67_108_863);
    expect(() => readNodeLimits(loadConfig({ ICE_CANDIDATES_PER_LINK: '67108864' }))).toThrow(ConfigError);
  });

  it('ALLOWED_ORIGINS=* allows every origin', () => {
    expect(readNodeLimits(loadConfig({ ALLOWED_ORIGINS: '*' })).guard.origins.restricts).toBe(false);
  });

  it.each([
    [{ MAX_CONNECTIONS_PER_IP: '0' }, /MAX_CONNECTIONS_PER_IP/],
    [{ MESSAGES_PER_SECOND: 'fast' }, /MESSAGES_PER_SECOND: expected a whole number/],
    [{ ALLOWED_ORIGINS: 'example.com' }, /ALLOWED_ORIGINS: not an origin/],
    [{ HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: '2000' }, /HTTP_REQUEST_TIMEOUT_MS: must not be shorter/],
    [{ TRUST_PROXY: '10.0.0.0/40' }, /TRUST_PROXY: not an IP address or CIDR: 10.0.0.0\/40/],
    [{ MAX_SEND_BACKLOG_BYTES: '1000' }, /MAX_SEND_BACKLOG_BYTES/],
    [{ MAX_HTTP_REQUESTS_PER_IP: '0' }, /MAX_HTTP_REQUESTS_PER_IP/],
  ])('refuses %j', (env, expected) => {
    let problems = '';
    try {
      readNodeLimits(loadConfig(env));
    } catch (error) {
      if (error instanceof ConfigError) problems = error.problems.join('\n');
    }
    expect(problems).toMatch(expected);
  });

  it('the guard counts connections per address and refuses the one too many', () => {
    const { guard } = readNodeLimits(loadConfig({ MAX_CONNECTIONS_PER_IP: '1' }));
    expect(guard.check(request(undefined))).toBeUndefined();
    guard.perIp.tryAcquire('10.0.0.1');
    expect(guard.check(request(undefined))).toEqual({ status: 429, reason: 'too many connections from this address' });
    expect(guard.check(request(undefined, '10.0.0.2'))).toBeUndefined();
  });
});
