import { createPublicKey, type KeyObject } from 'node:crypto';
import type { z } from 'zod';
import type { Logger, TokenVerifier } from '../application';
import { decodeJjwtBase64 } from '../adapters/auth/jjwt-base64';
import { JoseTokenVerifier } from '../adapters/auth/jose-token-verifier';
import { ASYMMETRIC, AuthEnv, SYMMETRIC, type JwtKeySource, type JwtSettings } from '../adapters/auth/jwt-settings';
import { TrustingTokenVerifier } from '../adapters/auth/trusting-token-verifier';
import { ConfigError, readEnv } from '../adapters/shared/settings';
import type { Config } from '../config';

type AuthEnv = z.infer<typeof AuthEnv>;

// Values are secrets: the variable and the rule are named, what was given never echoed.
const readAuthEnv = (config: Config): AuthEnv => readEnv(AuthEnv, config.env, { secret: true });

/** Default algorithms for a public key, from its type (an RSA key cannot verify ES256, and so on). */
const algorithmsForKey = (key: KeyObject): string[] => {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256'];
    case 'rsa-pss':
      return ['PS256'];
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      return [curve === 'secp384r1' ? 'ES384' : curve === 'secp521r1' ? 'ES512' : 'ES256'];
    }
    case 'ed25519':
      return ['EdDSA'];
    default:
      throw new ConfigError([`AUTH_JWT_PUBLIC_KEY: unsupported key type ${String(key.asymmetricKeyType)}`]);
  }
};

const keySource = (env: AuthEnv): { key: JwtKeySource; algorithms: string[] } => {
  const given = [env.AUTH_JWT_SECRET, env.AUTH_JWT_PUBLIC_KEY, env.AUTH_JWKS_URL].filter((v) => v !== undefined);
  if (given.length !== 1) {
    throw new ConfigError(['AUTH=jwt needs exactly one of AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY, AUTH_JWKS_URL']);
  }
  if (env.AUTH_JWT_SECRET !== undefined) {
    const secret = env.AUTH_JWT_SECRET_ENCODING === 'base64' ? decodeJjwtBase64(env.AUTH_JWT_SECRET) : new TextEncoder().encode(env.AUTH_JWT_SECRET);
    // RFC 7518 §3.2: an HS256 key must hold at least 256 bits.
    if (secret.length < 32) throw new ConfigError([`AUTH_JWT_SECRET: decodes to ${secret.length} bytes; HS256 needs at least 32 (256 bits)`]);
    return { key: { kind: 'secret', secret }, algorithms: ['HS256'] };
  }
  if (env.AUTH_JWT_PUBLIC_KEY !== undefined) {
    let key: KeyObject;
    try {
      key = createPublicKey(env.AUTH_JWT_PUBLIC_KEY);
    } catch {
      throw new ConfigError(['AUTH_JWT_PUBLIC_KEY: not a PEM public key (expected -----BEGIN PUBLIC KEY-----)']);
    }
    return { key: { kind: 'publicKey', key }, algorithms: algorithmsForKey(key) };
  }
  return { key: { kind: 'jwks', url: new URL(env.AUTH_JWKS_URL ?? ''), timeoutMs: env.AUTH_JWKS_TIMEOUT_MS }, algorithms: ['RS256', 'ES256'] };
};

/** JWT settings from the environment; throws ConfigError when AUTH=jwt is incomplete or contradictory. */
export const readJwtSettings = (config: Config): JwtSettings => {
  const env = readAuthEnv(config);
  const { key, algorithms } = keySource(env);
  const chosen = env.AUTH_JWT_ALGORITHMS ?? algorithms;
  // A public key used as an HMAC secret would let anyone sign tokens (algorithm confusion).
  const allowed: readonly string[] = key.kind === 'secret' ? SYMMETRIC : ASYMMETRIC;
  const wrong = chosen.filter((a) => !allowed.includes(a));
  if (wrong.length > 0) {
    throw new ConfigError([`AUTH_JWT_ALGORITHMS: ${wrong.join(', ')} cannot be used with ${key.kind === 'secret' ? 'AUTH_JWT_SECRET' : 'a public key'}`]);
  }
  return {
    key,
    algorithms: chosen,
    ...(env.AUTH_JWT_AUDIENCE ? { audience: env.AUTH_JWT_AUDIENCE.length === 1 ? env.AUTH_JWT_AUDIENCE[0]! : env.AUTH_JWT_AUDIENCE } : {}),
    ...(env.AUTH_JWT_ISSUER !== undefined ? { issuer: env.AUTH_JWT_ISSUER } : {}),
    userClaim: env.AUTH_USER_CLAIM,
    userClaimForm: env.AUTH_USER_CLAIM_NFC,
    ...(env.AUTH_ROOM_CLAIM !== undefined ? { roomClaim: env.AUTH_ROOM_CLAIM } : {}),
    clockToleranceSecs: env.AUTH_CLOCK_TOLERANCE_SECS,
    requireExpiry: env.AUTH_JWT_REQUIRE_EXP === 'true',
  };
};

/**
 * AUTH=jwt verifies tokens with jose; AUTH=none (the demo default) trusts the client and main.ts warns
 * loudly. JWT variables with AUTH=none are refused: that is a node meant to check tokens that would not.
 */
export const createTokenVerifier = (config: Config, logger: Logger): TokenVerifier => {
  if (config.AUTH === 'jwt') {
    const settings = readJwtSettings(config);
    if (settings.audience === undefined) {
      logger.warn(
        { setting: 'AUTH_JWT_AUDIENCE' },
        'AUTH_JWT_AUDIENCE is not set: the `aud` of tokens is not checked, so any token signed with this key admits its holder (set it when your issuer puts an audience in its tokens)',
      );
    }
    if (!settings.requireExpiry) {
      logger.warn({ auth: 'jwt' }, 'AUTH_JWT_REQUIRE_EXP=false: tokens without exp are accepted and never expire');
    }
    return new JoseTokenVerifier(settings, logger);
  }
  const env = readAuthEnv(config);
  const stray = (['AUTH_JWT_SECRET', 'AUTH_JWT_PUBLIC_KEY', 'AUTH_JWKS_URL'] as const).filter((k) => env[k] !== undefined);
  if (stray.length > 0) throw new ConfigError([`${stray.join(', ')} set but AUTH=none: set AUTH=jwt to check tokens`]);
  return new TrustingTokenVerifier();
};

/** The admin API's bearer token, or undefined when the API is off. */
export const readAdminToken = (config: Config): string | undefined => readAuthEnv(config).ADMIN_TOKEN;
