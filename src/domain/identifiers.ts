/** Identifiers are plain strings on the wire; the aliases document intent at call sites. */
export type UserId = string;
export type RoomId = string;
export type CommunityId = string;
/** Opaque id the inbound adapter gives each client connection (one WebSocket or SockJS session). */
export type ConnectionId = string;

/** The seed used community "0" for direct-message rooms, which belong to no community. */
export const DIRECT_MESSAGE_COMMUNITY: CommunityId = '0';
