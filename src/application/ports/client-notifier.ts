import type {
  ConnectionId,
  ErrorCode,
  MediaCapabilities,
  MediaState,
  RoomId,
  UserId,
} from '../../domain';
import type { MediaSignal } from './media-gateway';

export interface MemberView extends MediaState {
  readonly userId: UserId;
}

/** What the core tells one client. The inbound adapter chooses the wire form (the seed's message ids). */
export type ClientMessage =
  | { readonly type: 'joined'; readonly roomId: RoomId; readonly userId: UserId; readonly others: readonly MemberView[]; readonly media: MediaCapabilities; readonly requestId?: string }
  | { readonly type: 'participantJoined'; readonly member: MemberView }
  | { readonly type: 'participantLeft'; readonly userId: UserId }
  | { readonly type: 'mediaStateChanged'; readonly userId: UserId; readonly kind: 'audio' | 'video'; readonly enabled: boolean; readonly requestId?: string }
  | { readonly type: 'roomFull'; readonly roomId: RoomId; readonly requestId?: string }
  | { readonly type: 'signal'; readonly signal: MediaSignal }
  /** Acknowledges a request that has no other reply; sent only when the request carried a requestId. */
  | { readonly type: 'ack'; readonly requestId: string }
  | { readonly type: 'error'; readonly code: ErrorCode; readonly message: string; readonly details?: Readonly<Record<string, string | number | boolean>>; readonly requestId?: string };

export interface ClientNotifier {
  /** Queues the message for the client; a connection that is already gone is ignored. */
  send(connectionId: ConnectionId, message: ClientMessage): void;
  /** Sends a final error (with optional details, such as a reconnect hint) and closes the connection. */
  disconnect(connectionId: ConnectionId, code: ErrorCode, message: string, details?: Readonly<Record<string, string | number | boolean>>): void;
}
