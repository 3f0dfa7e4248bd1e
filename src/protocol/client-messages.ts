import { z } from 'zod';
import { candidate, displayName, flag, identifier, MAX_RESUME_TOKEN_LENGTH, MAX_TOKEN_LENGTH, requestId, sdp, text } from './fields';

/**
 * The messages clients send: the seed's set (`joinRoom`, `receiveVideoFrom`, `onIceCandidate`,
 * `leaveRoom`, `videoStateFrom`, `audioStateFrom`) and the backend-neutral flows added for backends where
 * the server or a peer offers. Extra fields are ignored, so clients may carry their own.
 */
const message = <I extends string, S extends z.ZodRawShape>(id: I, shape: S) =>
  z.object({ id: z.literal(id), requestId, ...shape }).meta({ title: id, description: DESCRIPTIONS[id] ?? id });

/** For the generated documents (docs/asyncapi.yaml); the prose is docs/protocol.md. */
const DESCRIPTIONS: Readonly<Record<string, string>> = {
  joinRoom: 'Join a room. Reply: `existingParticipants` (or `error`: roomFull with `limitJoinAnswer`, wrongNode, unauthorized, ...).',
  resumeSession: 'Take a held seat back from a new connection. Reply: `existingParticipants` with `resumed: true`, or `error resumeFailed`.',
  receiveVideoFrom: 'Offer SDP: with one\'s own userId to publish, with another\'s to receive it (the seed\'s flow). Reply: `receiveVideoAnswer`.',
  publish: 'Offer one\'s own media. Reply: `receiveVideoAnswer` with one\'s own userId.',
  subscribe: 'Ask for a member\'s media; the server (SFU) or the publishing peer (mesh) offers: `subscribeOffer`.',
  subscribeAnswer: 'Answer a `subscribeOffer`.',
  onIceCandidate: 'A local ICE candidate for the link named by userId (one\'s own: publish; another\'s: receiving that member).',
  peerOffer: 'Mesh: the publisher\'s offer on its link to subscriber userId (after `peerSubscribe`).',
  peerAnswer: 'Mesh: the publisher\'s answer to a subscriber\'s offer (`peerOffer` received).',
  peerIceCandidate: 'Mesh: a candidate of the publisher\'s link to subscriber userId.',
  leaveRoom: 'Leave the room. The others get `participantLeft`.',
  videoStateFrom: 'Camera on/off, told to the whole room as `videoStateAnswer`.',
  audioStateFrom: 'Microphone on/off, told to the whole room as `audioStateAnswer`.',
  ping: 'A heartbeat: with a requestId, answered by `ack`, in or out of a room. Browsers cannot see WebSocket pings, so a client that wants to notice a server gone silent sends this.',
};

export const InboundMessage = z.discriminatedUnion('id', [
  message('joinRoom', {
    token: text(MAX_TOKEN_LENGTH).optional(),
    userId: identifier,
    communityId: identifier.default('0'),
    roomId: identifier,
    video: flag.default(true),
    audio: flag.default(true),
    /** Ask for a seat that survives a dropped connection (session.resumeToken in the reply). */
    resumable: flag.optional(),
    displayName: displayName.optional(),
  }),
  message('resumeSession', { resumeToken: z.string().min(1).max(MAX_RESUME_TOKEN_LENGTH), displayName: displayName.optional() }),
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
  message('ping', {}),
]);

/** A message as the server reads it (ids normalised, booleans coerced, defaults applied). */
export type InboundMessage = z.infer<typeof InboundMessage>;
export type InboundMessageId = InboundMessage['id'];
/** A message as a client may write it. */
export type ClientMessageInput = z.input<typeof InboundMessage>;

export const INBOUND_MESSAGE_IDS: ReadonlySet<string> = new Set(InboundMessage.options.map((o) => o.shape.id.value));
export { MAX_ID_LENGTH, MAX_SDP_LENGTH } from './fields';
