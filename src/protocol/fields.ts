import { z } from 'zod';
import { checkIdentifier, MAX_IDENTIFIER_LENGTH } from '../domain/identifiers';

/**
 * The field types of the wire protocol, read the way the seed's Java server (Jackson) read them so its
 * clients work unchanged: ids may be numbers and are read as strings, any printable text is an id (the
 * static page sends the typed name), and booleans may come as strings (the Vue app sends `"audio":"false"`).
 */
export const MAX_ID_LENGTH = MAX_IDENTIFIER_LENGTH;
/** Longer than any token the server issues (two ids of 128 characters and the secret, Base64url). */
export const MAX_RESUME_TOKEN_LENGTH = 2_048;
export const MAX_SDP_LENGTH = 60_000;
export const MAX_TOKEN_LENGTH = 8_192;

export const text = (max: number) => z.string().max(max);

/**
 * Printable ASCII with at least one non-space: what checkIdentifier accepts unchanged (ASCII is its own
 * NFC form and holds nothing it forbids), found without normalising; ids on the relay's hot path are
 * nearly always such.
 */
export const PLAIN_ASCII_ID = /^(?=[\x20-\x7e]*[\x21-\x7e])[\x20-\x7e]{1,128}$/;

/** The frame limit bounds the raw string; checkIdentifier bounds the id (NFC, 1–128 printable characters). */
export const identifier = z
  .union([z.string(), z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)])
  .transform((value, ctx) => {
    const raw = String(value);
    if (PLAIN_ASCII_ID.test(raw)) return raw;
    const checked = checkIdentifier(raw);
    if (checked.ok) return checked.id;
    ctx.addIssue({ code: 'custom', message: checked.reason });
    return z.NEVER;
  })
  .meta({ description: 'A user, room or community id: printable Unicode text of 1–128 characters (NFC), or a non-negative integer read as its decimal text.' });

/** A name to show instead of the user id: the same rule as an id (printable text, NFC, 1–128 characters). */
export const displayName = z
  .string()
  .transform((value, ctx) => {
    const checked = checkIdentifier(value);
    if (checked.ok) return checked.id;
    ctx.addIssue({ code: 'custom', message: checked.reason });
    return z.NEVER;
  })
  .meta({ description: 'Shown to the others instead of the user id (additive; the seed\'s clients neither send nor read it). Printable text, 1–128 characters.' });

/**
 * A boolean as Jackson coerced one into a Java `boolean`: `true`/`false`, the strings "true"/"false" in any
 * case, and the numbers 1/0. Anything else (`"yes"`, `2`, `null`) is refused rather than guessed.
 */
export const flag = z
  .union([z.boolean(), z.string(), z.number()])
  .transform((value, ctx) => {
    if (typeof value === 'boolean') return value;
    if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
    if (value === 1 || value === 0) return value === 1;
    ctx.addIssue({ code: 'custom', message: 'expected a boolean: true/false, "true"/"false" or 1/0' });
    return z.NEVER;
  })
  .meta({ description: 'true/false; for the seed\'s clients also "true"/"false" in any case and 1/0.' });

/** On a request: echoed on its reply. */
export const requestId = z
  .union([text(MAX_ID_LENGTH), z.number().int()])
  .optional()
  .meta({ description: 'Put on any request; its reply (or `ack`) carries it back with the same type: a string as a string, an integer as an integer.' });
export const sdp = z.string().min(1).max(MAX_SDP_LENGTH);
export const MAX_CANDIDATE_LENGTH = 2048;
export const MAX_SDP_MID_LENGTH = 64;
export const MAX_M_LINE_INDEX = 1024;
export const candidate = z.object({
  candidate: text(MAX_CANDIDATE_LENGTH),
  sdpMid: text(MAX_SDP_MID_LENGTH).nullish(),
  sdpMLineIndex: z.number().int().min(0).max(MAX_M_LINE_INDEX).nullish(),
});
