import type { JoinCredentials, TokenVerifier, VerifiedIdentity } from '../../../src/application';
import { SignalingError } from '../../../src/domain';

/**
 * Knows a fixed set of tokens. A token that is registered proves its user; the claimed user id must
 * match it (`forbidden` otherwise); an unknown or missing token is `unauthorized`. Without any
 * registered token it trusts the claimed id, like AUTH=none.
 */
export class FakeTokenVerifier implements TokenVerifier {
  readonly calls: JoinCredentials[] = [];
  private readonly tokens = new Map<string, string>();
  private readonly expiries = new Map<string, number>();

  accept(token: string, userId: string): this {
    this.tokens.set(token, userId);
    return this;
  }

  /** A token of `userId` that says it expires at `expiresAt` (ms). */
  expireAt(token: string, userId: string, expiresAt: number): this {
    this.expiries.set(token, expiresAt);
    return this.accept(token, userId);
  }

  async verify(credentials: JoinCredentials): Promise<VerifiedIdentity> {
    this.calls.push(credentials);
    if (this.tokens.size === 0) return { userId: credentials.claimedUserId };
    const owner = credentials.token === undefined ? undefined : this.tokens.get(credentials.token);
    if (owner === undefined) throw new SignalingError('unauthorized', 'invalid or missing token');
    if (owner !== credentials.claimedUserId) {
      throw new SignalingError('forbidden', `token belongs to ${owner}, not ${credentials.claimedUserId}`);
    }
    const expiresAt = credentials.token === undefined ? undefined : this.expiries.get(credentials.token);
    return expiresAt === undefined ? { userId: owner } : { userId: owner, expiresAt };
  }
}
