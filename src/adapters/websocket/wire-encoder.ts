import type { MediaLink, UserId } from '../../domain';
import type { ClientMessage, MediaSignal, RequestId } from '../../application';

type Wire = Record<string, unknown>;

const withRequestId = (wire: Wire, requestId: RequestId | undefined): Wire =>
  requestId === undefined ? wire : { ...wire, requestId };

/** Whose media a link is about, as the seed's `userId` field names it: one's own id for publish. */
const linkUserId = (to: UserId, link: MediaLink): UserId =>
  link.kind === 'subscribe' ? link.publisher : link.kind === 'upstream' ? link.subscriber : to;

const encodeSignal = (signal: MediaSignal): Wire => {
  const userId = linkUserId(signal.to, signal.link);
  const upstream = signal.link.kind === 'upstream';
  switch (signal.type) {
    case 'answer':
      return withRequestId(
        upstream ? { id: 'peerAnswer', userId, sdpAnswer: signal.sdp } : { id: 'receiveVideoAnswer', userId, sdpAnswer: signal.sdp },
        signal.requestId,
      );
    case 'offer':
      return withRequestId({ id: upstream ? 'peerOffer' : 'subscribeOffer', userId, sdpOffer: signal.sdp }, signal.requestId);
    case 'offerRequest':
      return withRequestId({ id: 'peerSubscribe', userId }, signal.requestId);
    case 'candidate':
      return { id: upstream ? 'peerIceCandidate' : 'iceCandidate', userId, candidate: signal.candidate };
  }
};

/** The wire form of what the core says: the seed's message ids wherever the seed had one. */
export const encodeClientMessage = (message: ClientMessage): Wire => {
  switch (message.type) {
    case 'joined':
      return withRequestId(
        {
          id: 'existingParticipants',
          roomId: message.roomId,
          userId: message.userId,
          members: message.others,
          media: message.media,
          ...(message.resumed ? { resumed: true } : {}),
          ...(message.session ? { session: message.session } : {}),
          ...(message.iceServers ? { iceServers: message.iceServers } : {}),
        },
        message.requestId,
      );
    case 'participantJoined':
      return { id: 'newParticipantArrived', member: message.member };
    case 'participantLeft':
      return { id: 'participantLeft', userId: message.userId };
    case 'participantReconnecting':
      return { id: 'participantReconnecting', userId: message.userId };
    case 'participantReconnected':
      return { id: 'participantReconnected', userId: message.userId, ...(message.displayName !== undefined ? { displayName: message.displayName } : {}) };
    case 'participantPublished':
      return { id: 'participantPublished', userId: message.userId };
    case 'mediaStateChanged':
      return withRequestId(
        message.kind === 'video'
          ? { id: 'videoStateAnswer', userId: message.userId, video: message.enabled }
          : { id: 'audioStateAnswer', userId: message.userId, audio: message.enabled },
        message.requestId,
      );
    case 'roomFull':
      return withRequestId({ id: 'limitJoinAnswer', roomId: message.roomId }, message.requestId);
    case 'signal':
      return encodeSignal(message.signal);
    case 'ack':
      return { id: 'ack', requestId: message.requestId };
    case 'error':
      return withRequestId(
        { id: 'error', code: message.code, message: message.message, ...(message.details ? { details: message.details } : {}) },
        message.requestId,
      );
  }
};

/**
 * The wire text of a message: `JSON.stringify(encodeClientMessage(message))`, byte for byte. A relayed
 * candidate, the most frequent message by far, is written without building the wire object first.
 */
export const encodeClientText = (message: ClientMessage): string => {
  if (message.type === 'signal' && message.signal.type === 'candidate') {
    const { signal } = message;
    const upstream = signal.link.kind === 'upstream';
    return `{"id":${upstream ? '"peerIceCandidate"' : '"iceCandidate"'},"userId":${JSON.stringify(linkUserId(signal.to, signal.link))},"candidate":${JSON.stringify(signal.candidate)}}`;
  }
  return JSON.stringify(encodeClientMessage(message));
};
