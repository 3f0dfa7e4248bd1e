import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import sockjs from 'sockjs';
import type { Logger } from '../../application';
import { CloseCode, type ClientConnection } from './client-connection';
import { refuseUpgrade, type ConnectionGuard } from './connection-guard';
import type { SessionFactory } from './session-factory';

type SockJsHandler = (req: IncomingMessage, resOrSocket: ServerResponse | Duplex, head?: Buffer) => boolean;

/**
 * SockJS clients (the seed's `/rtc`), for browsers and proxies without WebSocket. The plain WebSocket
 * path `/rtc/websocket` is routed to `ws` before SockJS sees it, so both share one port as in the seed.
 */
export class SockJsTransport {
  private readonly handler: SockJsHandler;
  private readonly open = new Set<sockjs.Connection>();

  constructor(
    private readonly sessions: SessionFactory,
    private readonly logger: Logger,
    private readonly prefix: string,
    options: { readonly heartbeatMs: number; readonly disconnectDelayMs: number },
    /** Origin allowlist for every SockJS request and handshake, and connections per address. */
    private readonly guard?: ConnectionGuard,
  ) {
    const server = sockjs.createServer({
      prefix,
      heartbeat_delay: options.heartbeatMs,
      disconnect_delay: options.disconnectDelayMs,
      log: (severity: string, message: string) => {
        if (severity === 'error') this.logger.warn({ transport: 'sockjs' }, message);
      },
    });
    server.on('connection', (conn: sockjs.Connection | null) => {
      if (conn) this.accept(conn);
    });
    this.handler = (server as unknown as { middleware(opts: object): SockJsHandler }).middleware({ prefix });
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
    this.handler(req, res);
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refusal = this.guard?.checkOrigin(req);
    if (refusal) {
      refuseUpgrade(socket, refusal);
      return;
    }
    this.handler(req, socket, head);
  }

  get clientCount(): number {
    return this.open.size;
  }

  async close(code = 1001, reason = 'server shutting down'): Promise<void> {
    // Admitted sessions stay in `open` until sockjs finishes them, after its disconnect delay.
    for (const conn of this.open) closeFinally(conn, code, reason);
  }

  private accept(conn: sockjs.Connection): void {
    // A SockJS session spans several HTTP requests, so it is counted per session rather than per socket.
    const release = this.guard ? this.guard.perIp.tryAcquire(conn.remoteAddress) : () => undefined;
    if (!release) {
      conn.write(JSON.stringify({ id: 'error', code: 'rateLimited', message: 'too many connections from this address' }));
      closeFinally(conn, CloseCode.tryAgainLater, 'too many connections from this address');
      return;
    }
    this.open.add(conn);
    const connection: ClientConnection = {
      id: randomUUID(),
      transport: 'sockjs',
      remoteAddress: conn.remoteAddress,
      send: (text) => {
        conn.write(text);
      },
      close: (code, reason) => closeWith(conn, code, reason),
    };
    const session = this.sessions.open(connection);
    conn.on('data', (text: string) => session.receive(text));
    conn.on('close', () => {
      release();
      this.open.delete(conn);
      void session.closedByTransport();
    });
  }
}

/**
 * sockjs writes the code into the close frame as given; its typings say string, but a string reaches the
 * browser as `event.code === "4003"`, unlike a WebSocket's number. Passing the number keeps both alike.
 */
const closeWith = (conn: sockjs.Connection, code: number, reason: string): void => {
  (conn.close as unknown as (code: number, reason: string) => boolean).call(conn, code, reason);
};

/**
 * Closes a session for good (refused, or the node stops). sockjs keeps a closed streaming session for its
 * disconnect delay on a timer of its own; unref'd, that timer no longer holds a stopped node's process
 * (an embedding one, a test worker) that long. The timer lives on a field sockjs does not type.
 */
const closeFinally = (conn: sockjs.Connection, code: number, reason: string): void => {
  closeWith(conn, code, reason);
  const session = (conn as unknown as { _session?: { to_tref?: NodeJS.Timeout | null } })._session;
  session?.to_tref?.unref();
};
