import { z } from 'zod';
import { list, whole } from '../shared/settings';
import type { KeyObject } from 'node:crypto';

/** Where the signature key comes from: a shared secret (HS256), one public key, or the issuer's JWKS. */
export type JwtKeySource =
  | { readonly kind: 'secret'; readonly secret: Uint8Array }
  | { readonly kind: 'publicKey'; readonly key: KeyObject }
  | { readonly kind: 'jwks'; readonly url: URL; readonly timeoutMs: number };

export interface JwtSettings {
  readonly key: JwtKeySource;
  /** Signature algorithms accepted; never `none`, and never HS* with a public key (key confusion). */
  readonly algorithms: readonly string[];
  /** The `aud` the token must carry; a token for another service is refused. Unset: `aud` is not checked. */
  readonly audience?: string | readonly string[];
  readonly issuer?: string;
  /** The claim that names the user: `sub` by default, `id` for the seed's tokens. */
  readonly userClaim: string;
  /**
   * A text user claim not in Unicode NFC is refused (`require`, the default), or read as its NFC form
   * (`fold`: for issuers that hand out decomposed names, and never two subjects that differ only in form;
   * otherwise those two become one user, and the second takes over the first's session).
   */
  readonly userClaimForm: 'require' | 'fold';
  /** When set, the claim listing the rooms the token may join (string or array; `*` and `prefix*` patterns). */
  readonly roomClaim?: string;
  /** Leeway for clock skew between the token issuer and this node, in seconds. */
  readonly clockToleranceSecs: number;
  /** A token without `exp` never expires: refused unless this is turned off (AUTH_JWT_REQUIRE_EXP=false). */
  readonly requireExpiry: boolean;
}

export const SYMMETRIC = ['HS256', 'HS384', 'HS512'] as const;
export const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

/** The AUTH_* variables (AUTH itself is in src/config.ts) and ADMIN_TOKEN. */
export const AuthEnv = z.object({
  AUTH_JWT_SECRET: z.string().min(32, 'at least 32 characters (256 bits) for HS256').optional(),
  /** `base64`: the secret is Base64 text to be decoded into the key, as jjwt 0.9's `signWith(HS256, String)` does. */
  AUTH_JWT_SECRET_ENCODING: z.enum(['utf8', 'base64']).default('utf8'),
  /** PEM (SPKI or certificate); `\n` escapes are accepted because env files cannot hold line breaks. */
  AUTH_JWT_PUBLIC_KEY: z.string().transform((s) => s.replace(/\\n/g, '\n')).optional(),
  AUTH_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  AUTH_JWKS_TIMEOUT_MS: whole(100, 60_000).default(5_000),
  AUTH_JWT_AUDIENCE: list.pipe(z.array(z.string().min(1)).min(1)).optional(),
  AUTH_JWT_ISSUER: z.string().min(1).optional(),
  AUTH_JWT_ALGORITHMS: list.pipe(z.array(z.enum([...SYMMETRIC, ...ASYMMETRIC])).min(1)).optional(),
  AUTH_USER_CLAIM: z.string().regex(/^[\w.:-]{1,64}$/).default('sub'),
  AUTH_USER_CLAIM_NFC: z.enum(['require', 'fold']).default('require'),
  AUTH_ROOM_CLAIM: z.string().regex(/^[\w.:-]{1,64}$/).optional(),
  AUTH_CLOCK_TOLERANCE_SECS: whole(0, 300).default(5),
  /** `false` accepts tokens without `exp` (which never expire), with a warning at start-up. */
  AUTH_JWT_REQUIRE_EXP: z.enum(['true', 'false']).default('true'),
  /** Bearer token of the admin API; the API is off when unset. */
  ADMIN_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
});
