import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { IpConnectionLimiter } from './ip-connection-limiter';
import type { OriginPolicy } from './origin-policy';

/** Who the client is: the TCP peer, or the address a trusted proxy forwarded (TRUST_PROXY). */
export type ClientAddressOf = (req: IncomingMessage) => string;

export const peerAddressOf: ClientAddressOf = (req) => req.socket.remoteAddress ?? 'unknown';

export interface Refusal {
  readonly status: 403 | 429;
  readonly reason: string;
}

/**
 * Decides, before a WebSocket handshake completes or a SockJS request is served, whether the client may
 * connect at all: its Origin must be allowed and its address must not hold too many connections.
 */
export class ConnectionGuard {
  /**
   * One listener for every admitted socket, which carries its own key (`kAdmittedAs`): a release closure
   * and a `once` wrapper per connection held about 250 bytes per participant (issue 20).
   */
  private readonly releaseOnClose: (this: Duplex) => void;

  constructor(
    readonly origins: OriginPolicy,
    readonly perIp: IpConnectionLimiter,
    readonly addressOf: ClientAddressOf = peerAddressOf,
  ) {
    this.releaseOnClose = function (this: Duplex) {
      const key = (this as Admitted)[kAdmittedAs];
      if (key === undefined) return;
      (this as Admitted)[kAdmittedAs] = undefined;
      perIp.release(key);
    };
  }

  /** Origin check for any request of a transport (SockJS info, polling, and the handshakes). */
  checkOrigin(req: IncomingMessage): Refusal | undefined {
    const origin = req.headers.origin;
    return this.origins.allows(origin) ? undefined : { status: 403, reason: 'origin not allowed' };
  }

  /** Origin and per-address check; does not count the connection (see `admitUpgrade`). */
  check(req: IncomingMessage): Refusal | undefined {
    return this.checkOrigin(req) ?? (this.perIp.isFull(this.addressOf(req)) ? tooMany : undefined);
  }

  /**
   * Checks and counts a WebSocket handshake; the count is released when the TCP socket closes, which
   * happens however the handshake or the connection ends.
   */
  admitUpgrade(req: IncomingMessage, socket: Duplex): Refusal | undefined {
    const refusal = this.checkOrigin(req);
    if (refusal) return refusal;
    const key = this.perIp.acquire(this.addressOf(req));
    if (key === undefined) return tooMany;
    (socket as Admitted)[kAdmittedAs] = key;
    socket.on('close', this.releaseOnClose);
    return undefined;
  }
}

const kAdmittedAs = Symbol('rtc.guard.admittedAs');
interface Admitted {
  [kAdmittedAs]?: string;
}

const tooMany: Refusal = { status: 429, reason: 'too many connections from this address' };

/** Answers a refused handshake in plain HTTP, before any WebSocket exists, and drops the socket. */
export const refuseUpgrade = (socket: Duplex, refusal: Refusal): void => {
  const text = refusal.status === 403 ? 'Forbidden' : 'Too Many Requests';
  const body = `${refusal.reason}\n`;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    `HTTP/1.1 ${refusal.status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  // A client that never reads must not keep the socket open; the reply had its chance.
  setTimeout(() => socket.destroy(), 1_000).unref();
};
