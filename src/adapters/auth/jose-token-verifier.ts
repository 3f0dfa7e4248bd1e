import type { KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { checkIdentifier, SignalingError } from '../../domain';
import type { JoinCredentials, Logger, TokenVerifier, VerifiedIdentity } from '../../application';
import type { JwtSettings } from './jwt-settings';
import { roomClaimAllows } from './room-claim';

/**
 * `AUTH=jwt`: the user is whoever the token's signer says, never whoever the message names. Checks the
 * signature, `exp` (required unless turned off), `nbf` and (when configured) `aud`, `iss` and the room claim. Every refusal is
 * `unauthorized` with a short reason; neither the token nor its claims are ever logged.
 */
export class JoseTokenVerifier implements TokenVerifier {
  private readonly key: Uint8Array | KeyObject | JWTVerifyGetKey;

  constructor(
    private readonly settings: JwtSettings,
    private readonly logger: Logger,
  ) {
    const source = settings.key;
    this.key =
      source.kind === 'secret'
        ? source.secret
        : source.kind === 'publicKey'
          ? source.key
          : // Fetched on first use and cached; a token with an unknown `kid` refetches at most every 30 s.
            createRemoteJWKSet(source.url, { timeoutDuration: source.timeoutMs, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
  }

  async verify(credentials: JoinCredentials): Promise<VerifiedIdentity> {
    if (credentials.token === undefined || credentials.token === '') {
      throw refuse('a token is required (joinRoom.token)');
    }
    const payload = await this.checkedPayload(credentials.token);
    const userId = this.userIdOf(payload);
    if (userId !== credentials.claimedUserId) {
      throw refuse('the token belongs to another user');
    }
    const { roomClaim } = this.settings;
    if (roomClaim !== undefined && !roomClaimAllows(payload[roomClaim], credentials.roomId)) {
      throw refuse(`the token does not allow room ${credentials.roomId}`);
    }
    // A held seat never outlives the token it was taken with.
    return typeof payload.exp === 'number' && Number.isFinite(payload.exp) ? { userId, expiresAt: payload.exp * 1000 } : { userId };
  }

  private async checkedPayload(token: string): Promise<JWTPayload> {
    const { settings } = this;
    const options = {
      algorithms: [...settings.algorithms],
      ...(settings.audience !== undefined ? { audience: typeof settings.audience === 'string' ? settings.audience : [...settings.audience] } : {}),
      clockTolerance: settings.clockToleranceSecs,
      ...(settings.requireExpiry ? { requiredClaims: ['exp'] } : {}),
      ...(settings.issuer !== undefined ? { issuer: settings.issuer } : {}),
    };
    try {
      const { key } = this;
      // Two calls because jwtVerify's overloads take either a key or a key lookup, not their union.
      const result = typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options);
      return result.payload;
    } catch (error) {
      const reason = reasonFor(error);
      this.logger.debug({ reason, error: errorCode(error) }, 'token refused');
      throw refuse(reason);
    }
  }

  /**
   * The claim read by the rule ids in messages follow (a number as its digits, text as NFC), so they
   * compare equal. Text must already be NFC unless AUTH_USER_CLAIM_NFC=fold: folded, two subjects the
   * issuer keeps apart ("Å" and "A" + combining ring) became one user, and the second took over the
   * first's seat and session.
   */
  private userIdOf(payload: JWTPayload): string {
    const value = payload[this.settings.userClaim];
    const raw = typeof value === 'string' ? value : typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? String(value) : undefined;
    const checked = raw === undefined ? undefined : checkIdentifier(raw);
    if (!checked?.ok) throw refuse(`the token names no user (claim "${this.settings.userClaim}")`);
    if (checked.id !== raw && this.settings.userClaimForm === 'require') {
      throw refuse(`the token's user (claim "${this.settings.userClaim}") is not in Unicode NFC form`);
    }
    return checked.id;
  }
}

const refuse = (reason: string): SignalingError => new SignalingError('unauthorized', reason);

const errorCode = (error: unknown): string =>
  error instanceof errors.JOSEError ? error.code : error instanceof Error ? error.name : 'unknown';

/** What the client is told; short and free of anything taken from the token. */
const reasonFor = (error: unknown): string => {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'nbf':
        return 'the token is not valid yet';
      case 'exp':
        return 'the token has no valid expiry (exp claim)';
      case 'aud':
        return 'the token is meant for another audience';
      case 'iss':
        return 'the token comes from an unknown issuer';
      default:
        return `the token's ${error.claim} claim is invalid`;
    }
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is invalid';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token is signed with an algorithm this server does not accept';
  if (error instanceof errors.JWKSNoMatchingKey) return 'the token is signed with an unknown key';
  if (error instanceof errors.JWKSTimeout) return 'the token could not be checked now (key server timeout); try again';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'the token is malformed';
  return 'the token could not be verified';
};
