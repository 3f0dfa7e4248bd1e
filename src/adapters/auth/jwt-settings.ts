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
  /** When set, the claim listing the rooms the token may join (string or array; `*` and `prefix*` patterns). */
  readonly roomClaim?: string;
  /** Leeway for clock skew between the token issuer and this node, in seconds. */
  readonly clockToleranceSecs: number;
  /** A token without `exp` never expires: refused unless this is turned off (AUTH_JWT_REQUIRE_EXP=false). */
  readonly requireExpiry: boolean;
}
