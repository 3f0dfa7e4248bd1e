import { createHmac } from 'node:crypto';
import type { TokenVerifier } from '../../../src/application';
import { decodeJjwtBase64 } from '../../../src/adapters/auth/jjwt-base64';
import { createTokenVerifier, readJwtSettings } from '../../../src/composition/auth';
import { ConfigError, loadConfig } from '../../../src/config';
import { isSignalingError } from '../../../src/domain';
import { RecordingLogger } from '../../support/fakes';
import { signToken } from './jwt-kit';

/**
 * The seed's auth service (Spring, jjwt 0.9) issues `Jwts.builder().setSubject(email).claim("role", …)
 * .claim("id", <numeric user id>).setIssuedAt(…).setExpiration(…).signWith(HS256, secret)`: header
 * `{"alg":"HS256"}` only, no `aud`, and a key that is the secret *Base64-decoded* (jjwt's
 * signWith(SignatureAlgorithm, String) treats the string as Base64).
 */
const SEED_SECRET_TEXT = 'smooth-signaling-auth-secret-key-0123456789';
/** What its application.yml held: the Base64 of the key. */
const SEED_SECRET = Buffer.from(SEED_SECRET_TEXT, 'utf8').toString('base64');

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/** A token byte for byte as jjwt 0.9 writes it, signed with `key` (the decoded secret). */
const seedToken = (claims: Record<string, unknown>, key: Buffer | Uint8Array): string => {
  const signingInput = `${b64url({ alg: 'HS256' })}.${b64url(claims)}`;
  const signature = createHmac('sha256', key).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
};

const now = (): number => Math.floor(Date.now() / 1000);
const seedClaims = (id: unknown): Record<string, unknown> => ({ sub: 'heedong@example.com', role: 'ROLE_USER', id, iat: now(), exp: now() + 3600 });

const outcome = async (v: TokenVerifier, token: string, claimedUserId: string): Promise<string> => {
  try {
    return `accepted:${(await v.verify({ token, claimedUserId, roomId: 'c-1' })).userId}`;
  } catch (error) {
    if (isSignalingError(error)) return `${error.code}: ${error.message}`;
    throw error;
  }
};

const seedVerifier = (logger = new RecordingLogger()): TokenVerifier =>
  createTokenVerifier(
    loadConfig({ AUTH: 'jwt', AUTH_JWT_SECRET: SEED_SECRET, AUTH_JWT_SECRET_ENCODING: 'base64', AUTH_USER_CLAIM: 'id' }),
    logger,
  );

describe("the seed's tokens (AUTH_JWT_SECRET_ENCODING=base64, AUTH_USER_CLAIM=id, no AUTH_JWT_AUDIENCE)", () => {
  const key = Buffer.from(SEED_SECRET_TEXT, 'utf8');

  it('accepts a token shaped exactly as the seed issues it; the numeric id matches the userId the client sends', async () => {
    const token = seedToken(seedClaims(6), key);
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toEqual({ alg: 'HS256' });
    const v = seedVerifier();
    expect(await outcome(v, token, '6')).toBe('accepted:6');
    // The Vue app sends userId as the number 6; the parser reads it as "6" before it gets here.
    expect(await outcome(v, token, '7')).toBe('unauthorized: the token belongs to another user');
  });

  it('refuses it when the secret is used as UTF-8 text, as the node did before (the key bytes differ)', async () => {
    const utf8 = createTokenVerifier(loadConfig({ AUTH: 'jwt', AUTH_JWT_SECRET: SEED_SECRET, AUTH_USER_CLAIM: 'id' }), new RecordingLogger());
    expect(await outcome(utf8, seedToken(seedClaims(6), key), '6')).toBe('unauthorized: the token signature is invalid');
  });

  it('still checks signature and expiry', async () => {
    const v = seedVerifier();
    expect(await outcome(v, seedToken(seedClaims(6), Buffer.from('another-key-another-key-another-key!!')), '6')).toBe(
      'unauthorized: the token signature is invalid',
    );
    expect(await outcome(v, seedToken({ ...seedClaims(6), iat: now() - 7200, exp: now() - 3600 }, key), '6')).toBe('unauthorized: the token has expired');
    expect(await outcome(v, seedToken({ ...seedClaims(6), id: -1 }, key), '-1')).toMatch(/names no user/);
  });

  it('checks aud only when AUTH_JWT_AUDIENCE is set, and warns at start-up when it is not', async () => {
    const logger = new RecordingLogger();
    const v = seedVerifier(logger);
    expect(logger.entries).toEqual([expect.objectContaining({ level: 'warn', message: expect.stringContaining('AUTH_JWT_AUDIENCE is not set') })]);
    expect(await outcome(v, seedToken({ ...seedClaims(6), aud: 'any-service' }, key), '6')).toBe('accepted:6');

    const strict = new RecordingLogger();
    const withAudience = createTokenVerifier(
      loadConfig({ AUTH: 'jwt', AUTH_JWT_SECRET: SEED_SECRET, AUTH_JWT_SECRET_ENCODING: 'base64', AUTH_USER_CLAIM: 'id', AUTH_JWT_AUDIENCE: 'rtc' }),
      strict,
    );
    expect(strict.entries.filter((e) => e.level === 'warn')).toEqual([]);
    expect(await outcome(withAudience, seedToken(seedClaims(6), key), '6')).toMatch(/^unauthorized: /);
    expect(await outcome(withAudience, seedToken({ ...seedClaims(6), aud: 'rtc' }, key), '6')).toBe('accepted:6');
  });

  it('a plain UTF-8 secret without audience still works for other issuers', async () => {
    const secret = 'utf8-secret-for-another-issuer-0123456789';
    const v = createTokenVerifier(loadConfig({ AUTH: 'jwt', AUTH_JWT_SECRET: secret }), new RecordingLogger());
    expect(await outcome(v, await signToken({ sub: '김희동' }, { key: new TextEncoder().encode(secret), audience: '' }), '김희동')).toBe('accepted:김희동');
  });

  it('a user claim in decomposed Unicode is refused by default, and with AUTH_USER_CLAIM_NFC=fold is the composed userId of the message', async () => {
    const secret = 'utf8-secret-for-another-issuer-0123456789';
    const token = await signToken({ sub: '김희동'.normalize('NFD') }, { key: new TextEncoder().encode(secret), audience: '' });
    const strict = createTokenVerifier(loadConfig({ AUTH: 'jwt', AUTH_JWT_SECRET: secret }), new RecordingLogger());
    expect(await outcome(strict, token, '김희동')).toBe('unauthorized: the token\'s user (claim "sub") is not in Unicode NFC form');
    const folding = createTokenVerifier(loadConfig({ AUTH: 'jwt', AUTH_JWT_SECRET: secret, AUTH_USER_CLAIM_NFC: 'fold' }), new RecordingLogger());
    expect(await outcome(folding, token, '김희동')).toBe('accepted:김희동');
  });

  describe('settings', () => {
    const problems = (env: Record<string, string>): string => {
      try {
        readJwtSettings(loadConfig({ AUTH: 'jwt', ...env }));
      } catch (error) {
        if (error instanceof ConfigError) return error.problems.join('\n');
        throw error;
      }
      return '';
    };

    it('the Base64 secret must decode to at least 256 bits; the encoding must be utf8 or base64', () => {
      expect(problems({ AUTH_JWT_SECRET: '-'.repeat(40), AUTH_JWT_SECRET_ENCODING: 'base64' })).toMatch(/AUTH_JWT_SECRET: decodes to 0 bytes/);
      expect(problems({ AUTH_JWT_SECRET: SEED_SECRET, AUTH_JWT_SECRET_ENCODING: 'hex' })).toMatch(/AUTH_JWT_SECRET_ENCODING/);
      expect(problems({ AUTH_JWT_SECRET: SEED_SECRET, AUTH_JWT_SECRET_ENCODING: 'base64' })).toBe('');
      expect(readJwtSettings(loadConfig({ AUTH: 'jwt', AUTH_JWT_SECRET: SEED_SECRET, AUTH_JWT_SECRET_ENCODING: 'base64' })).key).toEqual({
        kind: 'secret',
        secret: Uint8Array.from(key),
      });
    });
  });
});

describe('decodeJjwtBase64: Base64 as javax.xml.bind.DatatypeConverter.parseBase64Binary reads it', () => {
  it.each<[string, string]>([
    ['YWJjZGVm', 'abcdef'],
    ['YWJjZA==', 'abcd'],
    ['YWJjZGU=', 'abcde'],
    // Characters outside A-Z a-z 0-9 + / = are skipped, URL-safe ones included (Node would read - and _).
    ['YWJj-ZGVm', 'abcdef'],
    ['YW Jj\nZG_Vm', 'abcdef'],
    // A last group of fewer than four characters is dropped (Node would decode "YWJjZA" to "abcd").
    ['YWJjZA', 'abc'],
    ['', ''],
  ])('%j → %j', (text, expected) => {
    expect(Buffer.from(decodeJjwtBase64(text)).toString('latin1')).toBe(expected);
  });

  it('agrees with Node on standard padded Base64 of any bytes', () => {
    for (let n = 0; n < 70; n += 1) {
      const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + n) % 256));
      expect(Buffer.from(decodeJjwtBase64(bytes.toString('base64')))).toEqual(bytes);
    }
  });

  it('a plain-text secret (not Base64 at all) decodes as jjwt would, skipping what is not Base64', () => {
    expect(Buffer.from(decodeJjwtBase64('my-secret!')).toString('hex')).toBe(Buffer.from('mysecret', 'base64').toString('hex'));
    expect(Buffer.from(decodeJjwtBase64('my-secret!')).toString('hex')).toBe('9b2b1e72b7ad');
  });
});
