import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import sockjs from 'sockjs';
import type { Logger } from '../../application';
import type { ClientConnection } from './client-connection';
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
    this.handler(req, res);
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.handler(req, socket, head);
  }

  get clientCount(): number {
    return this.open.size;
  }

  async close(code = 1001, reason = 'server shutting down'): Promise<void> {
    for (const conn of this.open) conn.close(String(code), reason);
  }

  private accept(conn: sockjs.Connection): void {
    this.open.add(conn);
    const connection: ClientConnection = {
      id: randomUUID(),
      transport: 'sockjs',
      remoteAddress: conn.remoteAddress,
      send: (text) => {
        conn.write(text);
      },
      close: (code, reason) => conn.close(String(code), reason),
    };
    const session = this.sessions.open(connection);
    conn.on('data', (text: string) => session.receive(text));
    conn.on('close', () => {
      this.open.delete(conn);
      void session.closedByTransport();
    });
  }
}
