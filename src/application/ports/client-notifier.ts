import type {
  ConnectionId,
  ErrorCode,
  MediaCapabilities,
  MediaState,
  RoomId,
  UserId,
} from '../../domain';
import type { IceServer } from './ice-servers';
import type { MediaSignal } from './media-gateway';
import type { RequestId } from './request-id';

export interface MemberView extends MediaState {
  readonly userId: UserId;
  readonly displayName?: string;
  /** Its connection dropped and its seat is held: it may come back (participantReconnected) or leave. */
  readonly reconnecting?: true;
}

/** What a resumable participant needs to come back after a drop. */
export interface ResumableSession {
  readonly resumeToken: string;
  readonly graceMs: number;
}

/** What the core tells one client. The inbound adapter chooses the wire form (the seed's message ids). */
export type ClientMessage =
  | {
      readonly type: 'joined';
      readonly roomId: RoomId;
      readonly userId: UserId;
      readonly others: readonly MemberView[];
      readonly media: MediaCapabilities;
      readonly requestId?: RequestId;
      /** The reply to a resume: the participant got its seat back. */
      readonly resumed?: true;
      readonly session?: ResumableSession;
      readonly iceServers?: readonly IceServer[];
    }
  | { readonly type: 'participantJoined'; readonly member: MemberView }
  | { readonly type: 'participantLeft'; readonly userId: UserId }
  /** A resumable member's connection dropped; its seat is held. */
  | { readonly type: 'participantReconnecting'; readonly userId: UserId }
  /** A member resumed its seat from a new connection (its media links are being renegotiated). */
  | { readonly type: 'participantReconnected'; readonly userId: UserId; readonly displayName?: string }
  /** SFU backends (Janus): a member's media is published; subscribing to it succeeds now. */
  | { readonly type: 'participantPublished'; readonly userId: UserId }
  | { readonly type: 'mediaStateChanged'; readonly userId: UserId; readonly kind: 'audio' | 'video'; readonly enabled: boolean; readonly requestId?: RequestId }
  | { readonly type: 'roomFull'; readonly roomId: RoomId; readonly requestId?: RequestId }
  | { readonly type: 'signal'; readonly signal: MediaSignal }
  /** Acknowledges a request that has no other reply; sent only when the request carried a requestId. */
  | { readonly type: 'ack'; readonly requestId: RequestId }
  | { readonly type: 'error'; readonly code: ErrorCode; readonly message: string; readonly details?: Readonly<Record<string, string | number | boolean>>; readonly requestId?: RequestId };

export interface ClientNotifier {
  /** Queues the message for the client; a connection that is already gone is ignored. */
  send(connectionId: ConnectionId, message: ClientMessage): void;
  /** Sends a final error (with optional details, such as a reconnect hint) and closes the connection. */
  disconnect(connectionId: ConnectionId, code: ErrorCode, message: string, details?: Readonly<Record<string, string | number | boolean>>): void;
}
