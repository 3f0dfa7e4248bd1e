import type { RoomId, UserId } from '../../domain';

export interface VerifiedIdentity {
  readonly userId: UserId;
  /** When the token stops being valid (ms since the epoch), if it says; a held seat never outlives it. */
  readonly expiresAt?: number;
}

export interface JoinCredentials {
  readonly token: string | undefined;
  /** The user id the message names; it must match the token's, never replace it. */
  readonly claimedUserId: UserId;
  readonly roomId: RoomId;
}

/** Checks an access token and says who it belongs to. Rejects with `unauthorized` or `forbidden`. */
export interface TokenVerifier {
  verify(credentials: JoinCredentials): Promise<VerifiedIdentity>;
}
