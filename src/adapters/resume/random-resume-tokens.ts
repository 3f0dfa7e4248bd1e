import { createHash, randomBytes } from 'node:crypto';
import { checkIdentifier } from '../../domain';
import type { IssuedResumeToken, PresentedResumeToken, ResumeTokens } from '../../application';

const SECRET_BYTES = 32;
/** Two ids of at most 128 characters (4 UTF-8 bytes each), JSON-quoted and Base64url-encoded, plus the secret. */
export const MAX_RESUME_TOKEN_LENGTH = 2_048;
const SECRET = /^[A-Za-z0-9_-]{43}$/;

const proofOf = (secret: Buffer): string => createHash('sha256').update(secret).digest('base64url');

/**
 * `<base64url(JSON [roomId, userId])>.<base64url(32 random bytes)>`. The first part lets any node find the
 * seat (the token is node-independent); the second is the secret, of which only a SHA-256 hash (the proof)
 * is stored, so neither a forged token nor anything read from the store can be presented as a valid one.
 * A plain hash suffices: the secret is 256 random bits, not a password to stretch.
 */
export class RandomResumeTokens implements ResumeTokens {
  issue(roomId: string, userId: string): IssuedResumeToken {
    const secret = randomBytes(SECRET_BYTES);
    const seat = Buffer.from(JSON.stringify([roomId, userId]), 'utf8').toString('base64url');
    return { token: `${seat}.${secret.toString('base64url')}`, proof: proofOf(secret) };
  }

  read(token: string): PresentedResumeToken | undefined {
    if (token.length > MAX_RESUME_TOKEN_LENGTH) return undefined;
    const dot = token.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const secret = token.slice(dot + 1);
    if (!SECRET.test(secret)) return undefined;
    let ids: unknown;
    try {
      ids = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (!Array.isArray(ids) || ids.length !== 2 || typeof ids[0] !== 'string' || typeof ids[1] !== 'string') return undefined;
    const roomId = checkIdentifier(ids[0]);
    const userId = checkIdentifier(ids[1]);
    // Only what issue() produced: ids already in their normal form.
    if (!roomId.ok || !userId.ok || roomId.id !== ids[0] || userId.id !== ids[1]) return undefined;
    return { roomId: roomId.id, userId: userId.id, proof: proofOf(Buffer.from(secret, 'base64url')) };
  }
}
