/** What one client connection may do; every limit is answered with a typed error or a close code. */
export interface SessionLimits {
  /** Frames above this get a `frameTooLarge` error; the connection stays open. */
  readonly maxMessageBytes: number;
  /** Messages waiting for their turn; past this the client is flooding and is disconnected. */
  readonly maxQueuedMessages: number;
  /**
   * Characters (about bytes) of the messages waiting for their turn; past this the client is disconnected
   * as for too many messages. Bounds what one connection can make the node hold however large its frames.
   */
  readonly maxQueuedBytes?: number;
  /** Sustained messages per second; above it each message gets `rateLimited` and is dropped. */
  readonly messagesPerSecond?: number;
  /** Messages a client may send at once above the sustained rate. */
  readonly messageBurst?: number;
  /** Dropped messages tolerated (refilled at one per second) before the connection is closed with 1008. */
  readonly maxRateLimitStrikes?: number;
  /** `joinRoom` requests per connection per minute. */
  readonly joinsPerMinute?: number;
  /** Trickle ICE candidates per media link between two SDP exchanges on it. */
  readonly iceCandidatesPerLink?: number;
  /** ROOM_CAPACITY: the most members a connection negotiates with at once, so the peers its ICE budget counts. */
  readonly roomCapacity?: number;
}

/**
 * Candidates one end of a media link may trickle in a burst: a browser gathers a host candidate per
 * interface and address family, a server-reflexive one, and TURN relays over UDP, TCP and TLS; a dozen is
 * common, 16 leaves room for a machine with several interfaces.
 */
export const LINK_CANDIDATES_IN_BURST = 16;

/**
 * Messages a member sends to negotiate with one other member at once: on each of the two links between
 * them (its media to the other, the other's to it) an offer or answer and its candidates. A Kurento or
 * Janus member sends fewer (one offer and its candidates per link, plus its own publish link).
 */
export const MESSAGES_PER_PEER = 2 * (1 + LINK_CANDIDATES_IN_BURST);

/**
 * The default message burst: what a member sends when it joins a full room (or a full room forms around
 * it) and negotiates with every other member at once, plus 50 for the join, toggles and the rest. With
 * the default capacity of 25: 900. The old default of 200 refused legitimate traffic from rooms of 7 up
 * (issue 20). The sustained rate (`messagesPerSecond`) is what keeps a flood out.
 */
export const burstForRoomOf = (roomCapacity: number): number => roomCapacity * MESSAGES_PER_PEER + 50;

export const DEFAULT_SESSION_LIMITS = {
  messagesPerSecond: 50,
  /** burstForRoomOf(25), the default ROOM_CAPACITY; a node derives it from its own capacity. */
  messageBurst: burstForRoomOf(25),
  maxRateLimitStrikes: 50,
  joinsPerMinute: 20,
  iceCandidatesPerLink: 200,
  /** A full-room join's offers, answers and candidates are a few hundred KiB; the send backlog's bound too. */
  maxQueuedBytes: 2 * 1024 * 1024,
} as const;
