import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Logger } from '../../application';
import { CLOSE_GRACE_MS, CloseCode, type ClientConnection } from './client-connection';
import { refuseUpgrade, type ConnectionGuard } from './connection-guard';
import type { ConnectionSession, OpenSession } from './connection-session';
import { WebSocketLiveness } from './websocket-liveness';
import { serverOptions } from './ws-server-options';
import { WriteCoalescer } from './write-coalescer';

export interface WebSocketTransportOptions {
  /** Frames above this are refused by `ws` itself and the connection closed (1009): abuse, not a mistake. */
  readonly hardMaxFrameBytes: number;
  /**
   * How often connections are pinged; a connection that has not answered the previous ping is closed,
   * so a dead peer is gone within two intervals.
   */
  readonly pingIntervalMs: number;
  /** Origin allowlist and connections per address, checked before the handshake completes. */
  readonly guard?: ConnectionGuard;
}

/** Plain WebSocket clients (the seed's `/rtc/websocket`). */
export class WebSocketTransport {
  private readonly server: WebSocketServer;
  /** Shared with its clients, which reach them through it rather than each holding its own references. */
  readonly writes = new WriteCoalescer();
  readonly liveness: WebSocketLiveness;

  constructor(
    private readonly openSession: OpenSession,
    readonly logger: Logger,
    private readonly path: string,
    private readonly options: WebSocketTransportOptions,
  ) {
    this.server = new WebSocketServer(serverOptions(options.hardMaxFrameBytes, CLOSE_GRACE_MS));
    this.server.on('connection', (socket, request) => this.accept(socket, request));
    this.liveness = new WebSocketLiveness(options.pingIntervalMs);
  }

  accepts(pathname: string): boolean {
    return pathname === this.path;
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refusal = this.options.guard?.admitUpgrade(request, socket);
    if (refusal) {
      this.logger.debug({ remote: this.addressOf(request), origin: request.headers.origin, reason: refusal.reason }, 'websocket handshake refused');
      refuseUpgrade(socket, refusal);
      return;
    }
    this.server.handleUpgrade(request, socket, head, (ws) => this.server.emit('connection', ws, request));
  }

  get clientCount(): number {
    return this.server.clients.size;
  }

  /** Closes every client with `code` and stops accepting. */
  async close(code: number = CloseCode.goingAway, reason = 'server shutting down'): Promise<void> {
    this.liveness.stop();
    for (const client of this.server.clients) client.close(code, reason);
    // ws calls back only once every client is closed: a socket that never closes holds the whole shutdown
    // (see the 'end' handler in accept, which makes sure none does).
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private addressOf(request: IncomingMessage): string {
    return this.options.guard?.addressOf(request) ?? request.socket.remoteAddress ?? 'unknown';
  }

  private accept(socket: WebSocket, request: IncomingMessage): void {
    // After the upgrade ws writes its frames to this same socket.
    const client = new WebSocketClient(randomUUID(), this.addressOf(request), socket, request.socket, this);
    client.session = this.openSession(client);
    (socket as Carrier)[kClient] = client;
    (request.socket as Carrier)[kClient] = client;
    this.liveness.watch(socket, request.socket, client);
    socket.on('message', onMessage);
    socket.on('error', onError);
    // 'close' and 'end' come once: `on` spares the wrapper `once` makes.
    socket.on('close', onClose);
    // A peer's FIN without a close frame: ws ends its side but arms no timer, and an end queued behind a
    // backlog the client does not read never leaves. The member stayed listed until liveness noticed (up
    // to two ping intervals), and a shutdown meanwhile waited for that socket until the drain deadline
    // killed the process, its presence flush included.
    request.socket.on('end', onEnd);
  }
}

/**
 * A connection's listeners are shared by every connection and find their client on the emitter (`this`)
 * through `kClient`: a closure per listener per connection, with their context and a `once` wrapper each,
 * held about 1 KB per participant (heap snapshot, issue 20).
 */
const kClient = Symbol('rtc.websocket.client');
interface Carrier {
  [kClient]?: WebSocketClient;
}
const clientOn = (emitter: object): WebSocketClient | undefined => (emitter as Carrier)[kClient];

function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  const client = clientOn(this);
  if (!client || client.closing) return;
  client.session?.receive(isBinary ? '' : rawToText(data));
}

function onError(this: WebSocket, error: Error): void {
  const client = clientOn(this);
  client?.logger.debug({ err: error, connectionId: client.id }, 'websocket error');
}

function onClose(this: WebSocket): void {
  const client = clientOn(this);
  if (!client) return;
  client.liveness.unwatch(this);
  void client.session?.closedByTransport();
}

function onEnd(this: Duplex): void {
  clientOn(this)?.destroyAfterGrace();
}

/**
 * One plain WebSocket client as the session sees it. A class rather than an object literal of closures:
 * its methods live once on the prototype instead of four closures and their context per connection
 * (issue 20: memory per participant).
 */
class WebSocketClient implements ClientConnection {
  readonly transport = 'websocket';
  /** Closed by the server (or given up on): nothing the client sends afterwards is read. */
  closing = false;
  private abandoned = false;
  session: ConnectionSession | undefined;

  constructor(
    readonly id: string,
    readonly remoteAddress: string,
    private readonly socket: WebSocket,
    private readonly raw: Duplex,
    private readonly owner: WebSocketTransport,
  ) {}

  get logger(): Logger {
    return this.owner.logger;
  }

  get liveness(): WebSocketLiveness {
    return this.owner.liveness;
  }

  get backlogBytes(): number {
    return this.socket.bufferedAmount;
  }

  send(text: string): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.owner.writes.beforeWrite(this.raw);
    this.socket.send(text);
  }

  close(code: number, reason: string): void {
    // A connection the server closed (replaced, kicked, shutting down) had its requests still served during
    // the closing handshake: a joinRoom then seated a member nobody could reach.
    this.closing = true;
    const { socket } = this;
    if (socket.readyState === socket.OPEN) socket.close(code, reason);
    else this.destroyAfterGrace();
  }

  peerLeft(userId: string): void {
    this.session?.peerLeft(userId);
  }

  /** Liveness found its backlog stuck. */
  stalled(): void {
    this.session?.stalled();
  }

  abandon(lastWords: string, code: number, reason: string): void {
    if (this.abandoned) return;
    this.abandoned = true;
    this.closing = true;
    const { socket } = this;
    if (socket.readyState === socket.OPEN) {
      socket.send(lastWords);
      socket.close(code, reason);
    } else {
      this.destroyAfterGrace();
    }
    // Nothing it sends is read any more; ws destroys the socket when the close grace runs out.
    socket.pause();
    void this.session?.closedByTransport();
  }

  /** ws's own close timer covers a close it sends; a socket already closing by the peer's doing gets this one. */
  destroyAfterGrace(): void {
    setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS).unref();
  }
}

// ws hands over a Buffer for every ordinary frame; Buffer.from(buffer) would copy each one first.
const rawToText = (data: RawData): string => {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
};
