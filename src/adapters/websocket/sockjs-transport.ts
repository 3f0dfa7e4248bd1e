import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../application';
import { CLOSE_GRACE_MS, CloseCode, type ClientConnection } from './client-connection';
import { peerAddressOf, refuseUpgrade, type ConnectionGuard } from './connection-guard';
import type { ConnectionSession } from './connection-session';
import type { OpenSession } from './connection-session';
import { SockJsServer } from './sockjs/sockjs-server';
import type { SockJsSession } from './sockjs/session';

export interface SockJsTransportOptions {
  readonly heartbeatMs: number;
  readonly disconnectDelayMs: number;
  /** Liveness pings (its WebSocket transport) and the backlog stall check. */
  readonly pingIntervalMs: number;
  /** A WebSocket frame or an `xhr_send`/`jsonp_send` body above this closes the session (1009). */
  readonly hardMaxFrameBytes: number;
  /** Ends each streaming response after this many bytes (protocol default 128 KiB). */
  readonly responseLimitBytes?: number;
}

/**
 * SockJS clients (the seed's `/rtc`), for browsers and proxies without WebSocket. The plain WebSocket
 * path `/rtc/websocket` is routed to `ws` before SockJS sees it, so both share one port as in the seed.
 */
export class SockJsTransport {
  private readonly server: SockJsServer;
  private readonly sessions = new Map<SockJsSession, ConnectionSession>();

  constructor(
    private readonly openSession: OpenSession,
    private readonly logger: Logger,
    private readonly prefix: string,
    options: SockJsTransportOptions,
    /** Origin allowlist for every SockJS request and handshake, and connections per address. */
    private readonly guard?: ConnectionGuard,
  ) {
    this.server = new SockJsServer({
      prefix,
      heartbeatMs: options.heartbeatMs,
      disconnectDelayMs: options.disconnectDelayMs,
      pingIntervalMs: options.pingIntervalMs,
      maxFrameBytes: options.hardMaxFrameBytes,
      ...(options.responseLimitBytes !== undefined ? { responseLimitBytes: options.responseLimitBytes } : {}),
      closeGraceMs: CLOSE_GRACE_MS,
      addressOf: guard?.addressOf ?? peerAddressOf,
      // As many closed sessions kept per address as it may hold open ones; without a guard nothing is per address.
      maxClosedPerAddress: guard?.perIp.maxPerIp ?? Number.POSITIVE_INFINITY,
      ...(guard ? { keyOf: guard.perIp.keyOf } : {}),
      onSession: (session) => this.accept(session),
      onStalled: (session) => this.sessions.get(session)?.stalled(),
    });
  }

  accepts(pathname: string): boolean {
    return pathname === this.prefix || pathname.startsWith(`${this.prefix}/`);
  }

  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const refusal = this.guard?.checkOrigin(req);
    if (refusal) {
      res.writeHead(refusal.status, { 'content-type': 'text/plain', connection: 'close' }).end(`${refusal.reason}\n`);
      return;
    }
    this.server.handleRequest(req, res);
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refusal = this.guard?.checkOrigin(req);
    if (refusal) {
      refuseUpgrade(socket, refusal);
      return;
    }
    this.server.handleUpgrade(req, socket, head);
  }

  get clientCount(): number {
    return this.sessions.size;
  }

  /** For the `rtc_sockjs_sessions` gauge: what the node holds for SockJS clients, by state. */
  get sessionsHeld(): { readonly open: number; readonly closed: number } {
    return this.server.sessionsHeld;
  }

  async close(code: number = CloseCode.goingAway, reason = 'server shutting down'): Promise<void> {
    this.server.close(code, reason);
  }

  private accept(session: SockJsSession): void {
    // A SockJS session spans several HTTP requests, so it is counted per session rather than per socket.
    const release = this.guard ? this.guard.perIp.tryAcquire(session.remoteAddress) : () => undefined;
    if (!release) {
      this.logger.debug({ remote: session.remoteAddress }, 'sockjs session refused: too many connections from this address');
      // Answered, then forgotten: a refusal is not kept for the disconnect delay (session.ts, refuse).
      session.refuse(JSON.stringify({ id: 'error', code: 'rateLimited', message: 'too many connections from this address' }), CloseCode.tryAgainLater, 'too many connections from this address');
      return;
    }
    const connection: ClientConnection = {
      id: randomUUID(),
      transport: 'sockjs',
      remoteAddress: session.remoteAddress,
      get backlogBytes() {
        return session.backlogBytes;
      },
      send: (text) => session.send(text),
      close: (code, reason) => session.close(code, reason),
      abandon: (lastWords, code, reason) => session.abandon(lastWords, code, reason),
      peerLeft: (userId) => conversation.peerLeft(userId),
    };
    const conversation = this.openSession(connection);
    this.sessions.set(session, conversation);
    session.listen({
      message: (text) => conversation.receive(text),
      closed: () => {
        release();
        this.sessions.delete(session);
        void conversation.closedByTransport();
      },
    });
  }
}
