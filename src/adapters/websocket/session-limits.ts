/** What one client connection may do; every limit is answered with a typed error or a close code. */
export interface SessionLimits {
  /** Frames above this get a `frameTooLarge` error; the connection stays open. */
  readonly maxMessageBytes: number;
  /** Messages waiting for their turn; past this the client is flooding and is disconnected. */
  readonly maxQueuedMessages: number;
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
}

export const DEFAULT_SESSION_LIMITS = {
  messagesPerSecond: 50,
  messageBurst: 200,
  maxRateLimitStrikes: 50,
  joinsPerMinute: 20,
  iceCandidatesPerLink: 200,
} as const;
