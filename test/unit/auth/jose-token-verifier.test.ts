import type { TokenVerifier } from '../../../src/application';
import { createTokenVerifier } from '../../../src/composition/auth';
import { loadConfig } from '../../../src/config';
import { isSignalingError } from '../../../src/domain';
import { RecordingLogger } from '../../support/fakes';
import { AUDIENCE, HS_SECRET, JwksServer, keyPair, signToken } from './jwt-kit';

const verifier = (env: Record<string, string>, logger = new RecordingLogger()): TokenVerifier =>
  createTokenVerifier(loadConfig({ AUTH: 'jwt', AUTH_JWT_AUDIENCE: AUDIENCE, ...env }), logger);

const hs = (env: Record<string, string> = {}): TokenVerifier => verifier({ AUTH_JWT_SECRET: HS_SECRET, ...env });

/** The refusal's code and message, or 'accepted:<userId>'. */
const outcome = async (v: TokenVerifier, token: string | undefined, claimedUserId = 'alice', roomId = 'c-1'): Promise<string> => {
  try {
    const { userId } = await v.verify({ token, claimedUserId, roomId });
    return `accepted:${userId}`;
  } catch (error) {
    if (isSignalingError(error)) return `${error.code}: ${error.message}`;
    throw error;
  }
};

describe('JoseTokenVerifier with HS256 (AUTH_JWT_SECRET)', () => {
  it('accepts a valid token and takes the user from `sub`', async () => {
    expect(await outcome(hs(), await signToken({ sub: 'alice' }))).toBe('accepted:alice');
  });

  it("refuses user A's token used to act as user B", async () => {
    const tokenOfA = await signToken({ sub: 'alice' });
    expect(await outcome(hs(), tokenOfA, 'bob')).toBe('unauthorized: the token belongs to another user');
  });

  it.each([
    ['missing', undefined, 'unauthorized: a token is required (joinRoom.token)'],
    ['empty', '', 'unauthorized: a token is required (joinRoom.token)'],
    ['garbage', 'not-a-jwt', 'unauthorized: the token is malformed'],
  ])('refuses a %s token', async (_name, token, expected) => {
    expect(await outcome(hs(), token)).toBe(expected);
  });

  it('refuses an expired token', async () => {
    expect(await outcome(hs(), await signToken({ sub: 'alice' }, { expiresIn: -60 }))).toBe('unauthorized: the token has expired');
  });

  it('tolerates a few seconds of clock skew, as configured', async () => {
    const justExpired = await signToken({ sub: 'alice' }, { expiresIn: -2 });
    expect(await outcome(hs(), justExpired)).toBe('accepted:alice');
    expect(await outcome(hs({ AUTH_CLOCK_TOLERANCE_SECS: '0' }), justExpired)).toBe('unauthorized: the token has expired');
  });

  it('refuses a token that is not valid yet', async () => {
    expect(await outcome(hs(), await signToken({ sub: 'alice' }, { notBefore: 120 }))).toBe('unauthorized: the token is not valid yet');
  });

  it('refuses a token for another audience, and one without audience', async () => {
    expect(await outcome(hs(), await signToken({ sub: 'alice' }, { audience: 'another-service' }))).toBe(
      'unauthorized: the token is meant for another audience',
    );
    expect(await outcome(hs(), await signToken({ sub: 'alice' }, { audience: '' }))).toMatch(/^unauthorized: /);
  });

  it('accepts any of several configured audiences', async () => {
    const v = hs({ AUTH_JWT_AUDIENCE: 'one, two' });
    expect(await outcome(v, await signToken({ sub: 'alice' }, { audience: 'two' }))).toBe('accepted:alice');
  });

  it('refuses a token signed with another secret', async () => {
    const forged = await signToken({ sub: 'alice' }, { key: new TextEncoder().encode('another-secret-0123456789-abcdefghij') });
    expect(await outcome(hs(), forged)).toBe('unauthorized: the token signature is invalid');
  });

  it('refuses an unsigned token (alg none)', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ sub: 'alice', aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
    expect(await outcome(hs(), `${header}.${body}.`)).toMatch(/^unauthorized: /);
  });

  it('checks the issuer when AUTH_JWT_ISSUER is set', async () => {
    const v = hs({ AUTH_JWT_ISSUER: 'https://id.example.com' });
    expect(await outcome(v, await signToken({ sub: 'alice' }, { issuer: 'https://id.example.com' }))).toBe('accepted:alice');
    expect(await outcome(v, await signToken({ sub: 'alice' }, { issuer: 'https://evil.example.com' }))).toBe(
      'unauthorized: the token comes from an unknown issuer',
    );
  });

  it("takes the user from a configured claim, such as the seed's numeric `id`", async () => {
    const v = hs({ AUTH_USER_CLAIM: 'id' });
    expect(await outcome(v, await signToken({ id: 42, sub: 'someone-else' }), '42')).toBe('accepted:42');
    expect(await outcome(v, await signToken({ sub: 'alice' }))).toBe('unauthorized: the token names no user (claim "id")');
    expect(await outcome(v, await signToken({ id: { nested: true } }))).toBe('unauthorized: the token names no user (claim "id")');
    expect(await outcome(v, await signToken({ id: 'x'.repeat(129) }), 'x'.repeat(129))).toMatch(/names no user/);
  });

  describe('room claim (AUTH_ROOM_CLAIM)', () => {
    const v = (): TokenVerifier => hs({ AUTH_ROOM_CLAIM: 'rooms' });
    it.each([
      [['c-1', 'c-2'], 'c-2', true],
      ['c-1', 'c-1', true],
      [['c-*'], 'c-99', true],
      [['*'], 'anything', true],
      [['c-1'], 'c-2', false],
      [['d-*'], 'c-1', false],
      [42, 'c-1', false],
      [undefined, 'c-1', false],
    ])('rooms=%j, joining %s → allowed %s', async (rooms, roomId, allowed) => {
      const token = await signToken(rooms === undefined ? { sub: 'alice' } : { sub: 'alice', rooms });
      const result = await outcome(v(), token, 'alice', roomId);
      expect(result).toBe(allowed ? 'accepted:alice' : `unauthorized: the token does not allow room ${roomId}`);
    });
  });

  it('never logs the token, even at debug', async () => {
    const logger = new RecordingLogger();
    const v = verifier({ AUTH_JWT_SECRET: HS_SECRET }, logger);
    const expired = await signToken({ sub: 'alice' }, { expiresIn: -60 });
    await outcome(v, expired);
    expect(logger.entries.length).toBeGreaterThan(0);
    expect(JSON.stringify(logger.entries)).not.toContain(expired);
    expect(JSON.stringify(logger.entries)).not.toContain(expired.split('.')[1]);
  });
});

describe('JoseTokenVerifier with public keys', () => {
  it.each(['RS256', 'ES256'] as const)('%s: verifies with AUTH_JWT_PUBLIC_KEY and refuses another key', async (alg) => {
    const issuer = await keyPair(alg);
    const attacker = await keyPair(alg);
    const v = verifier({ AUTH_JWT_PUBLIC_KEY: issuer.publicPem });
    expect(await outcome(v, await signToken({ sub: 'alice' }, { alg, key: issuer.privateKey }))).toBe('accepted:alice');
    expect(await outcome(v, await signToken({ sub: 'alice' }, { alg, key: attacker.privateKey }))).toBe(
      'unauthorized: the token signature is invalid',
    );
    expect(await outcome(v, await signToken({ sub: 'alice' }, { alg, key: issuer.privateKey }), 'bob')).toBe(
      'unauthorized: the token belongs to another user',
    );
  });

  it('accepts a PEM with escaped line breaks, as env files hold it', async () => {
    const issuer = await keyPair('ES256');
    const v = verifier({ AUTH_JWT_PUBLIC_KEY: issuer.publicPem.replace(/\n/g, '\\n') });
    expect(await outcome(v, await signToken({ sub: 'alice' }, { alg: 'ES256', key: issuer.privateKey }))).toBe('accepted:alice');
  });

  it('refuses an HS256 token signed with the public key as secret (algorithm confusion)', async () => {
    const issuer = await keyPair('RS256');
    const v = verifier({ AUTH_JWT_PUBLIC_KEY: issuer.publicPem });
    const confused = await signToken({ sub: 'alice' }, { alg: 'HS256', key: new TextEncoder().encode(issuer.publicPem) });
    expect(await outcome(v, confused)).toBe('unauthorized: the token is signed with an algorithm this server does not accept');
  });
});

describe('JoseTokenVerifier with a JWKS URL', () => {
  let jwks: JwksServer;
  let rsa: Awaited<ReturnType<typeof keyPair>>;
  let ec: Awaited<ReturnType<typeof keyPair>>;

  beforeAll(async () => {
    rsa = await keyPair('RS256', 'rsa-1');
    ec = await keyPair('ES256', 'ec-1');
    jwks = await JwksServer.start([rsa.jwk, ec.jwk]);
  });
  afterAll(() => jwks.close());

  it('verifies RS256 and ES256 tokens with keys fetched from the JWKS, fetched once', async () => {
    const v = verifier({ AUTH_JWKS_URL: jwks.url });
    const before = jwks.requests;
    expect(await outcome(v, await signToken({ sub: 'alice' }, { alg: 'RS256', key: rsa.privateKey, kid: 'rsa-1' }))).toBe('accepted:alice');
    expect(await outcome(v, await signToken({ sub: 'bob' }, { alg: 'ES256', key: ec.privateKey, kid: 'ec-1' }), 'bob')).toBe('accepted:bob');
    expect(jwks.requests - before).toBe(1);
  });

  it('refuses a token whose key is not in the JWKS', async () => {
    const stranger = await keyPair('RS256', 'unknown');
    const v = verifier({ AUTH_JWKS_URL: jwks.url });
    expect(await outcome(v, await signToken({ sub: 'alice' }, { alg: 'RS256', key: stranger.privateKey, kid: 'unknown' }))).toBe(
      'unauthorized: the token is signed with an unknown key',
    );
  });

  it('refuses a token when the JWKS cannot be fetched, without crashing', async () => {
    const v = verifier({ AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json' });
    expect(await outcome(v, await signToken({ sub: 'alice' }, { alg: 'RS256', key: rsa.privateKey, kid: 'rsa-1' }))).toMatch(/^unauthorized: /);
  });
});
