/** Identifiers are plain strings on the wire; the aliases document intent at call sites. */
export type UserId = string;
export type RoomId = string;
export type CommunityId = string;
/** Opaque id the inbound adapter gives each client connection (one WebSocket or SockJS session). */
export type ConnectionId = string;

/** The seed used community "0" for direct-message rooms, which belong to no community. */
export const DIRECT_MESSAGE_COMMUNITY: CommunityId = '0';

/** Longest id, in Unicode code points after NFC normalisation. */
export const MAX_IDENTIFIER_LENGTH = 128;

/**
 * What an id may not hold: control characters (C0, C1), lone surrogates, line and paragraph separators,
 * noncharacters, the byte-order mark, and the bidirectional overrides and isolates that make log lines and
 * admin screens show text other than what is stored ("Trojan Source"). Zero-width joiners stay allowed:
 * emoji sequences and several scripts need them.
 */
const FORBIDDEN = /[\p{Cc}\p{Cs}\p{Zl}\p{Zp}\u200E\u200F\u202A-\u202E\u2066-\u2069\uFEFF\uFDD0-\uFDEF\uFFFE\uFFFF]|[\u{1FFFE}\u{1FFFF}\u{2FFFE}\u{2FFFF}\u{10FFFE}\u{10FFFF}]/u;
const VISIBLE = /[^\p{White_Space}\p{Cf}]/u;

export type IdentifierCheck = { readonly ok: true; readonly id: string } | { readonly ok: false; readonly reason: string };

/**
 * The one rule for user, room and community ids, wherever they come from (messages, tokens, URL paths):
 * printable Unicode text of 1–128 characters, as the seed's clients typed them (`김희동`, `heedong kim`,
 * `o'brien`), normalised to NFC so that the same name typed on two systems is one id.
 */
export const checkIdentifier = (raw: string): IdentifierCheck => {
  const id = raw.normalize('NFC');
  if (!VISIBLE.test(id)) return { ok: false, reason: 'must contain a visible character' };
  if (FORBIDDEN.test(id)) return { ok: false, reason: 'control, separator and bidirectional-override characters are not allowed' };
  let length = 0;
  for (const _ of id) length += 1;
  if (length > MAX_IDENTIFIER_LENGTH) return { ok: false, reason: `at most ${MAX_IDENTIFIER_LENGTH} characters` };
  return { ok: true, id };
};
