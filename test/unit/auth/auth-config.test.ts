import { JoseTokenVerifier } from '../../../src/adapters/auth/jose-token-verifier';
import { TrustingTokenVerifier } from '../../../src/adapters/auth/trusting-token-verifier';
import { createTokenVerifier, readAdminToken, readJwtSettings } from '../../../src/composition/auth';
import { ConfigError, loadConfig } from '../../../src/config';
import { RecordingLogger } from '../../support/fakes';
import { AUDIENCE, HS_SECRET, keyPair } from './jwt-kit';

const config = (env: Record<string, string>) => loadConfig(env);

const problemsOf = (work: () => unknown): readonly string[] => {
  try {
    work();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('auth settings (src/composition/auth.ts)', () => {
  it('AUTH=none (the default) trusts the client', () => {
    expect(createTokenVerifier(config({}), new RecordingLogger())).toBeInstanceOf(TrustingTokenVerifier);
  });

  it('AUTH=jwt with a secret builds the jose verifier', () => {
    const v = createTokenVerifier(config({ AUTH: 'jwt', AUTH_JWT_SECRET: HS_SECRET, AUTH_JWT_AUDIENCE: AUDIENCE }), new RecordingLogger());
    expect(v).toBeInstanceOf(JoseTokenVerifier);
  });

  it('defaults: sub as user claim, no room claim, 5 s tolerance, HS256', () => {
    const s = readJwtSettings(config({ AUTH: 'jwt', AUTH_JWT_SECRET: HS_SECRET, AUTH_JWT_AUDIENCE: AUDIENCE }));
    expect(s).toMatchObject({ userClaim: 'sub', clockToleranceSecs: 5, algorithms: ['HS256'], audience: AUDIENCE });
    expect(s.roomClaim).toBeUndefined();
  });

  it('picks the algorithm from the public key type', async () => {
    const rsa = await keyPair('RS256');
    const ec = await keyPair('ES256');
    expect(readJwtSettings(config({ AUTH: 'jwt', AUTH_JWT_PUBLIC_KEY: rsa.publicPem, AUTH_JWT_AUDIENCE: 'a' })).algorithms).toEqual(['RS256']);
    expect(readJwtSettings(config({ AUTH: 'jwt', AUTH_JWT_PUBLIC_KEY: ec.publicPem, AUTH_JWT_AUDIENCE: 'a' })).algorithms).toEqual(['ES256']);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['no key at all', { AUTH_JWT_AUDIENCE: 'a' }, /exactly one of AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY, AUTH_JWKS_URL/],
    ['two keys', { AUTH_JWT_SECRET: HS_SECRET, AUTH_JWKS_URL: 'https://id.example.com/jwks', AUTH_JWT_AUDIENCE: 'a' }, /exactly one of/],
    ['a short secret', { AUTH_JWT_SECRET: 'short', AUTH_JWT_AUDIENCE: 'a' }, /AUTH_JWT_SECRET: at least 32 characters/],
    ['a bad PEM', { AUTH_JWT_PUBLIC_KEY: 'hello', AUTH_JWT_AUDIENCE: 'a' }, /AUTH_JWT_PUBLIC_KEY: not a PEM public key/],
    ['a JWKS URL that is not http(s)', { AUTH_JWKS_URL: 'ftp://x/jwks', AUTH_JWT_AUDIENCE: 'a' }, /AUTH_JWKS_URL/],
    ['HS256 with a JWKS', { AUTH_JWKS_URL: 'https://id.example.com/jwks', AUTH_JWT_AUDIENCE: 'a', AUTH_JWT_ALGORITHMS: 'HS256' }, /cannot be used with a public key/],
    ['RS256 with a secret', { AUTH_JWT_SECRET: HS_SECRET, AUTH_JWT_AUDIENCE: 'a', AUTH_JWT_ALGORITHMS: 'RS256' }, /cannot be used with AUTH_JWT_SECRET/],
    ['alg none', { AUTH_JWT_SECRET: HS_SECRET, AUTH_JWT_AUDIENCE: 'a', AUTH_JWT_ALGORITHMS: 'none' }, /AUTH_JWT_ALGORITHMS/],
    ['a claim name with spaces', { AUTH_JWT_SECRET: HS_SECRET, AUTH_JWT_AUDIENCE: 'a', AUTH_USER_CLAIM: 'user id' }, /AUTH_USER_CLAIM/],
  ])('AUTH=jwt with %s is refused at start-up', (_name, env, expected) => {
    const problems = problemsOf(() => createTokenVerifier(config({ AUTH: 'jwt', ...env }), new RecordingLogger()));
    expect(problems.join('\n')).toMatch(expected);
  });

  it('never echoes a secret in a configuration error', () => {
    const problems = problemsOf(() => readJwtSettings(config({ AUTH: 'jwt', AUTH_JWT_SECRET: 'tiny-secret-value' })));
    expect(problems.join('\n')).not.toContain('tiny-secret-value');
  });

  it('refuses JWT keys with AUTH=none: a node meant to check tokens that would not', () => {
    expect(problemsOf(() => createTokenVerifier(config({ AUTH_JWT_SECRET: HS_SECRET }), new RecordingLogger())).join()).toMatch(
      /AUTH_JWT_SECRET set but AUTH=none/,
    );
  });

  it('ADMIN_TOKEN: off when unset, at least 16 characters when set', () => {
    expect(readAdminToken(config({}))).toBeUndefined();
    expect(readAdminToken(config({ ADMIN_TOKEN: 'a-long-admin-token-123' }))).toBe('a-long-admin-token-123');
    expect(problemsOf(() => readAdminToken(config({ ADMIN_TOKEN: 'short' }))).join()).toMatch(/ADMIN_TOKEN: at least 16/);
  });
});
