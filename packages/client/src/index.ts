export { RoomClient, type ConnectionState, type LeftInfo, type ReconnectingInfo, type RoomClientOptions } from './room-client';
export { SignalingConnection, type ClosedInfo, type WebSocketConstructor, type WebSocketLike } from './connection';
export { SignalingError, ConnectionLostError, RequestTimeoutError } from './errors';
export { backoffDelay, type BackoffOptions } from './backoff';
export { CallMedia, type CallMediaOptions, type MediaEvent } from './media/call-media';
export { PeerLink } from './media/peer-link';
export type * from './protocol';
