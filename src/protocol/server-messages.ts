import { z } from 'zod';
import { ERROR_CODES } from '../domain/error-code';

/**
 * The messages the server sends, exactly as `src/adapters/websocket/wire-encoder.ts` writes them: strict
 * objects, so a field the encoder adds without adding it here fails `test/unit/protocol/`. Clients should
 * still ignore fields they do not know: new ones are added as the protocol grows (additively).
 */
const userId = z.string().min(1).meta({ description: 'A user id, as the server normalised it (NFC text).' });
const requestIdEcho = z.union([z.string(), z.number().int()]);
const replyTo = requestIdEcho.optional().meta({ description: 'The requestId of the request this answers, with the type it was sent with.' });

const message = <I extends string, S extends z.ZodRawShape>(id: I, shape: S, description: string) =>
  z.strictObject({ id: z.literal(id), ...shape }).meta({ title: id, description });

export const Member = z
  .strictObject({
    userId,
    audio: z.boolean(),
    video: z.boolean(),
    displayName: z.string().optional().meta({ description: 'The name it joined with, to show instead of the user id.' }),
    reconnecting: z.literal(true).optional().meta({ description: 'Its connection dropped; its seat is held for a resume.' }),
  })
  .meta({ title: 'Member' });

export const MediaCapabilities = z
  .strictObject({
    backend: z.string().meta({ description: '`mesh`, `janus` or `kurento`.' }),
    publish: z.boolean().meta({ description: 'The client offers its own media (`publish`).' }),
    clientOfferedSubscribe: z.boolean().meta({ description: 'The client may offer to receive (`receiveVideoFrom` another id).' }),
    serverOfferedSubscribe: z.boolean().meta({ description: 'The server or the publishing peer offers (`subscribe` → `subscribeOffer`).' }),
    peerToPeer: z.boolean().meta({ description: 'Media flows directly between peers (mesh).' }),
  })
  .meta({ title: 'MediaCapabilities' });

export const IceServer = z
  .strictObject({ urls: z.array(z.string()), username: z.string().optional(), credential: z.string().optional() })
  .meta({ title: 'IceServer', description: 'An RTCIceServer for the RTCPeerConnection configuration.' });

export const ResumableSession = z
  .strictObject({ resumeToken: z.string().min(1), graceMs: z.number().int().nonnegative() })
  .meta({ title: 'ResumableSession', description: 'What a resumable participant needs to come back after a drop (single-use token).' });

export const WireCandidate = z
  .strictObject({ candidate: z.string(), sdpMid: z.string().nullish(), sdpMLineIndex: z.number().int().nullish() })
  .meta({ title: 'IceCandidate' });

export const ErrorCode = z.enum(ERROR_CODES);

export const ServerMessage = z.discriminatedUnion('id', [
  message(
    'existingParticipants',
    {
      roomId: z.string(),
      userId,
      members: z.array(Member).meta({ description: 'Everyone in the room but the joiner.' }),
      media: MediaCapabilities,
      resumed: z.literal(true).optional().meta({ description: 'The reply to `resumeSession`: the seat was taken back.' }),
      session: ResumableSession.optional(),
      iceServers: z.array(IceServer).optional(),
      requestId: replyTo,
    },
    'The join (or resume) reply: who is in the room and which media flows it supports.',
  ),
  message('newParticipantArrived', { member: Member }, 'Someone joined the room.'),
  message('participantLeft', { userId }, 'Someone left, was dropped, or their held seat expired.'),
  message('participantReconnecting', { userId }, "A resumable member's connection dropped; its seat is held."),
  message(
    'participantReconnected',
    { userId, displayName: z.string().optional().meta({ description: 'Its name, which a seat held across a lost host may have been listed without.' }) },
    'That member resumed from a new connection; its links are being renegotiated.',
  ),
  message('participantPublished', { userId }, "SFU backends: that member's media is published; `subscribe` to it now succeeds."),
  message('videoStateAnswer', { userId, video: z.boolean(), requestId: replyTo }, 'A member turned its camera on or off.'),
  message('audioStateAnswer', { userId, audio: z.boolean(), requestId: replyTo }, 'A member turned its microphone on or off.'),
  message('limitJoinAnswer', { roomId: z.string(), requestId: replyTo }, 'The room is full (sent with `error roomFull`).'),
  message('receiveVideoAnswer', { userId, sdpAnswer: z.string(), requestId: replyTo }, "The answer to the client's offer on the link named by `userId`."),
  message('subscribeOffer', { userId, sdpOffer: z.string(), requestId: replyTo }, "An offer of `userId`'s media: answer with `subscribeAnswer`."),
  message('iceCandidate', { userId, candidate: WireCandidate }, 'A remote candidate for the link named by `userId`.'),
  message('peerSubscribe', { userId, requestId: replyTo }, 'Mesh: subscriber `userId` asks you to offer your media to it (`peerOffer`).'),
  message('peerOffer', { userId, sdpOffer: z.string(), requestId: replyTo }, 'Mesh: subscriber `userId` offered to receive your media (seed flow): answer with `peerAnswer`.'),
  message('peerAnswer', { userId, sdpAnswer: z.string(), requestId: replyTo }, "Mesh: subscriber `userId`'s answer to your `peerOffer`."),
  message('peerIceCandidate', { userId, candidate: WireCandidate }, 'Mesh: a candidate from subscriber `userId` for your upstream link to it.'),
  message('ack', { requestId: requestIdEcho }, 'Answers a request that has no other reply, when it carried a requestId.'),
  message(
    'error',
    {
      code: ErrorCode,
      message: z.string(),
      details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
      requestId: replyTo,
    },
    'A refused request, or the reason the server ends the session (see the error codes in docs/protocol.md).',
  ),
]);

export type ServerMessage = z.infer<typeof ServerMessage>;
export type ServerMessageId = ServerMessage['id'];
export type ErrorCode = z.infer<typeof ErrorCode>;
export type Member = z.infer<typeof Member>;
export type MediaCapabilities = z.infer<typeof MediaCapabilities>;
export type IceServer = z.infer<typeof IceServer>;
export type WireCandidate = z.infer<typeof WireCandidate>;
/** The message of a given id. */
export type ServerMessageOf<I extends ServerMessageId> = Extract<ServerMessage, { id: I }>;

export const SERVER_MESSAGE_IDS: readonly ServerMessageId[] = ServerMessage.options.map((o) => o.shape.id.value);
