import type { JoinCredentials, TokenVerifier, VerifiedIdentity } from '../../application';

/**
 * `AUTH=none`: believes the user id the client names. For the demo and local development only; the
 * server logs a warning at start-up whenever this is in use.
 */
export class TrustingTokenVerifier implements TokenVerifier {
  async verify(credentials: JoinCredentials): Promise<VerifiedIdentity> {
    return { userId: credentials.claimedUserId };
  }
}
