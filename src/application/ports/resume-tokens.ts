import type { RoomId, UserId } from '../../domain';

export interface IssuedResumeToken {
  /** What the client gets (opaque to it): names the seat and carries a secret. */
  readonly token: string;
  /** What the store keeps for the seat: a hash of the secret, so a stored value cannot be replayed as a token. */
  readonly proof: string;
}

export interface PresentedResumeToken {
  readonly roomId: RoomId;
  readonly userId: UserId;
  /** The hash of the secret the client presented, to compare with the seat's proof. */
  readonly proof: string;
}

/**
 * Resume tokens: single-use proofs that a new connection is the participant whose connection dropped.
 * A token names its room and user, so any node can find the seat; a fresh one is issued on every join and
 * resume, and only the proof of the current one is kept.
 */
export interface ResumeTokens {
  issue(roomId: RoomId, userId: UserId): IssuedResumeToken;
  /** Undefined for anything that is not a well-formed token. */
  read(token: string): PresentedResumeToken | undefined;
}
