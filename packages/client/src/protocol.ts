/**
 * The message types, inferred from the server's own zod schemas (src/protocol). Type-only imports: the
 * schemas (and zod) stay out of the client's bundle; the server validates what it reads.
 */
import type { ClientMessageInput, ErrorCode, IceServer, MediaCapabilities, Member, ServerMessage, ServerMessageId, ServerMessageOf, WireCandidate } from '../../../src/protocol/index';

export type { ClientMessageInput, ErrorCode, IceServer, MediaCapabilities, Member, ServerMessage, ServerMessageId, ServerMessageOf, WireCandidate };

/** A client message without the `requestId` the connection adds. */
export type ClientMessage = ClientMessageInput;
export type ClientMessageId = ClientMessage['id'];
export type ClientMessageOf<I extends ClientMessageId> = Extract<ClientMessage, { id: I }>;
export type Joined = ServerMessageOf<'existingParticipants'>;
export type ErrorMessage = ServerMessageOf<'error'>;

/** What answers each request when it succeeds; `ack` for those with no natural reply. */
export interface ReplyTo {
  joinRoom: 'existingParticipants';
  resumeSession: 'existingParticipants';
  receiveVideoFrom: 'receiveVideoAnswer';
  publish: 'receiveVideoAnswer';
  videoStateFrom: 'videoStateAnswer';
  audioStateFrom: 'audioStateAnswer';
  leaveRoom: 'ack';
  subscribeAnswer: 'ack';
  onIceCandidate: 'ack';
  peerAnswer: 'ack';
  peerIceCandidate: 'ack';
  ping: 'ack';
}
/** The `id` of a message the server answers. Not the `requestId` a request is tagged with (the server's `RequestId`). */
export type RequestMessageId = keyof ReplyTo;
