/** One client's transport (plain WebSocket or SockJS), as the adapter needs it. */
export interface ClientConnection {
  readonly id: string;
  readonly transport: 'websocket' | 'sockjs';
  /** The client's address: the TCP peer, or the forwarded address when the peer is a trusted proxy. */
  readonly remoteAddress: string;
  /**
   * Bytes queued for the client and not yet taken by the network: the socket's buffer plus anything the
   * transport queues above it (a SockJS session between two polls). Read after every send, so O(1).
   */
  readonly backlogBytes: number;
  send(text: string): void;
  close(code: number, reason: string): void;
  /**
   * Gives up on a client that does not read: whatever is queued above the socket is dropped, `lastWords`
   * is sent where it can still be (queued behind the socket's backlog, or as the next poll's answer), the
   * connection is closed with `code`, and the socket is destroyed soon after if the client does not
   * complete the close. Nothing the client sends afterwards is read.
   */
  abandon(lastWords: string, code: number, reason: string): void;
  /**
   * The member on this connection was told `userId` left its room: what the connection keeps per peer
   * (its ICE budget's counts) can go. Without it a member that stays while others come and go keeps a
   * count for every one of them.
   */
  peerLeft?(userId: string): void;
}

/** Application close codes (4000–4999 are free for applications in RFC 6455). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  /** SockJS framing the server cannot read (not JSON, not strings); RFC 6455's "protocol error". */
  protocolError: 1002,
  policyViolation: 1008,
  tooLarge: 1009,
  /** Over a connection limit; retry later (RFC 6455 registry). */
  tryAgainLater: 1013,
  sessionReplaced: 4001,
  kicked: 4003,
  /** The client did not read what it was sent: its backlog passed MAX_SEND_BACKLOG_BYTES or did not drain. */
  slowConsumer: 4008,
  unauthorized: 4401,
  /** Another node serves the room now (this one was paused or cut off): reconnect to `details.nodeUrl`. */
  roomMoved: 4409,
} as const;

/**
 * How long a closed connection has to complete the closing handshake before its socket is destroyed. A
 * client that stopped reading never will, and whatever is still buffered for it is only freed then.
 */
export const CLOSE_GRACE_MS = 2_000;
