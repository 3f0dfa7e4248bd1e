import { z } from 'zod';

/**
 * The messages clients send: the seed's set (`joinRoom`, `receiveVideoFrom`, `onIceCandidate`,
 * `leaveRoom`, `videoStateFrom`, `audioStateFrom`) and the backend-neutral flows added for backends where
 * the server or a peer offers. Extra fields are ignored, so clients may carry their own; ids and user ids
 * may be numbers (Java-era clients sent them so) and are read as strings.
 */
const MAX_ID_LENGTH = 128;
export const MAX_SDP_LENGTH = 60_000;

const text = (max: number) => z.string().max(max);
const identifier = z
  .union([z.string().min(1).max(MAX_ID_LENGTH), z.number().int().nonnegative()])
  .transform(String)
  .pipe(z.string().regex(/^[\w.:@=+-]+$/, 'letters, digits and _ . : @ = + - only'));
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
    video: z.boolean().default(true),
    audio: z.boolean().default(true),
  }),
  message('receiveVideoFrom', { userId: identifier, sdpOffer: sdp }),
  message('publish', { sdpOffer: sdp }),
  message('subscribe', { userId: identifier }),
  message('subscribeAnswer', { userId: identifier, sdpAnswer: sdp }),
  message('onIceCandidate', { userId: identifier, candidate }),
  message('peerOffer', { userId: identifier, sdpOffer: sdp }),
  message('peerAnswer', { userId: identifier, sdpAnswer: sdp }),
  message('peerIceCandidate', { userId: identifier, candidate }),
  message('leaveRoom', {}),
  message('videoStateFrom', { userId: identifier, video: z.boolean() }),
  message('audioStateFrom', { userId: identifier, audio: z.boolean() }),
]);

export type InboundMessage = z.infer<typeof InboundMessage>;
export type InboundMessageId = InboundMessage['id'];

export const INBOUND_MESSAGE_IDS: ReadonlySet<string> = new Set(InboundMessage.options.map((o) => o.shape.id.value));
