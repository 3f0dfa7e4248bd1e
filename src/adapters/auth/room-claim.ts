import type { RoomId } from '../../domain';

/**
 * Whether a token's room claim lets it into `roomId`. The claim is a room id or a list of them; an entry
 * `*` allows every room and `c-*` every room starting with `c-` (the seed's community channels).
 * Anything else (numbers, objects, a missing claim) allows nothing: the issuer must say what it means.
 */
export const roomClaimAllows = (claim: unknown, roomId: RoomId): boolean => {
  const entries = typeof claim === 'string' ? [claim] : Array.isArray(claim) ? claim : [];
  return entries.some((entry) => typeof entry === 'string' && patternMatches(entry, roomId));
};

const patternMatches = (pattern: string, roomId: RoomId): boolean =>
  pattern.endsWith('*') ? roomId.startsWith(pattern.slice(0, -1)) : pattern === roomId;
