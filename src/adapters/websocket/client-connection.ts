/** One client's transport (plain WebSocket or SockJS), as the adapter needs it. */
export interface ClientConnection {
  readonly id: string;
  readonly transport: 'websocket' | 'sockjs';
  readonly remoteAddress: string;
  send(text: string): void;
  close(code: number, reason: string): void;
}

/** Application close codes (4000–4999 are free for applications in RFC 6455). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  policyViolation: 1008,
  tooLarge: 1009,
  /** Over a connection limit; retry later (RFC 6455 registry). */
  tryAgainLater: 1013,
  sessionReplaced: 4001,
  kicked: 4003,
  unauthorized: 4401,
  /** Another node serves the room now (this one was paused or cut off): reconnect to `details.nodeUrl`. */
  roomMoved: 4409,
} as const;
