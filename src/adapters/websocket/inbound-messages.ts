import { z } from 'zod';
import { checkIdentifier } from '../../domain';

/**
 * The messages clients send: the seed's set (`joinRoom`, `receiveVideoFrom`, `onIceCandidate`,
 * `leaveRoom`, `videoStateFrom`, `audioStateFrom`) and the backend-neutral flows added for backends where
 * the server or a peer offers. Extra fields are ignored, so clients may carry their own. Fields are read
 * the way the seed's Java server (Jackson) read them, so its clients work unchanged: ids may be numbers
 * and are read as strings, any printable text is an id (the static page sends the typed name), and
 * booleans may come as strings (the Vue app sends `"audio":"false"`).
 */
const MAX_ID_LENGTH = 128;
/** Longer than any token the server issues (two ids of 128 characters and the secret, Base64url). */
const MAX_RESUME_TOKEN_LENGTH = 2_048;
export const MAX_SDP_LENGTH = 60_000;

const text = (max: number) => z.string().max(max);
/**
 * Printable ASCII with at least one non-space: what checkIdentifier accepts unchanged (ASCII is its own
 * NFC form and holds nothing it forbids), found without normalising; ids on the relay's hot path are
 * nearly always such.
 */
const PLAIN_ASCII_ID = /^(?=[\x20-\x7e]*[\x21-\x7e])[\x20-\x7e]{1,128}$/;
/** The frame limit bounds the raw string; checkIdentifier bounds the id (NFC, 1–128 printable characters). */
const identifier = z.union([z.string(), z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)]).transform((value, ctx) => {
  const raw = String(value);
  if (PLAIN_ASCII_ID.test(raw)) return raw;
  const checked = checkIdentifier(raw);
  if (checked.ok) return checked.id;
  ctx.addIssue({ code: 'custom', message: checked.reason });
  return z.NEVER;
});
/**
 * A boolean as Jackson coerced one into a Java `boolean`: `true`/`false`, the strings "true"/"false" in any
 * case, and the numbers 1/0. Anything else (`"yes"`, `2`, `null`) is refused rather than guessed.
 */
const flag = z.union([z.boolean(), z.string(), z.number()]).transform((value, ctx) => {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  if (value === 1 || value === 0) return value === 1;
  ctx.addIssue({ code: 'custom', message: 'expected a boolean: true/false, "true"/"false" or 1/0' });
  return z.NEVER;
});
const requestId = z.union([text(MAX_ID_LENGTH), z.number().int()]).transform(String).optional();
const sdp = z.string().min(1).max(MAX_SDP_LENGTH);
const candidate = z.object({
  candidate: text(2048),
  sdpMid: text(64).nullish(),
  sdpMLineIndex: z.number().int().min(0).max(1024).nullish(),
});

const message = <I extends string, S extends z.ZodRawShape>(id: I, shape: S) =>
  z.object({ id: z.literal(id), requestId, ...shape });

export const InboundMessage = z.discriminatedUnion('id', [
  message('joinRoom', {
    token: text(8192).optional(),
    userId: identifier,
    communityId: identifier.default('0'),
    roomId: identifier,
    video: flag.default(true),
    audio: flag.default(true),
    /** Ask for a seat that survives a dropped connection (session.resumeToken in the reply). */
    resumable: flag.optional(),
  }),
  message('resumeSession', { resumeToken: z.string().min(1).max(MAX_RESUME_TOKEN_LENGTH) }),
  message('receiveVideoFrom', { userId: identifier, sdpOffer: sdp }),
  message('publish', { sdpOffer: sdp }),
  message('subscribe', { userId: identifier }),
  message('subscribeAnswer', { userId: identifier, sdpAnswer: sdp }),
  message('onIceCandidate', { userId: identifier, candidate }),
  message('peerOffer', { userId: identifier, sdpOffer: sdp }),
  message('peerAnswer', { userId: identifier, sdpAnswer: sdp }),
  message('peerIceCandidate', { userId: identifier, candidate }),
  message('leaveRoom', {}),
  message('videoStateFrom', { userId: identifier, video: flag }),
  message('audioStateFrom', { userId: identifier, audio: flag }),
]);

export type InboundMessage = z.infer<typeof InboundMessage>;
export type InboundMessageId = InboundMessage['id'];

export const INBOUND_MESSAGE_IDS: ReadonlySet<string> = new Set(InboundMessage.options.map((o) => o.shape.id.value));
