import { randomInt } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { limitKeyOf, type LimitKeyOf } from '../../shared/client-address';
import { PeriodicSweep } from '../periodic-sweep';
import { WebSocketLiveness } from '../websocket-liveness';
import { serverOptions } from '../ws-server-options';
import { readBody, declaresTooMuch } from './body-reader';
import { parsePayload } from './frames';
import { hangUpAfterAnswer } from '../../http/http-route';
import { answerAndHangUp, answerOptions, answerText, answerWrongMethod, hasBody, noCache, setCors } from './http-answers';
import { CALLBACK, htmlfilePrelude, iframePage } from './pages';
import { HttpReceiver, WebSocketReceiver, type HttpFraming } from './receivers';
import { SockJsSession } from './session';

export interface SockJsServerOptions {
  /** Where the service lives, e.g. `/rtc`; never ends with a slash. */
  readonly prefix: string;
  /** An `h` frame this often keeps proxies from timing idle streams out (protocol default 25 s). */
  readonly heartbeatMs: number;
  /** A session without a receiver for this long is closed (protocol default 5 s). */
  readonly disconnectDelayMs: number;
  /** WebSocket pings (liveness) and the backlog stall check run this often. */
  readonly pingIntervalMs: number;
  /**
   * Largest WebSocket frame, and largest `xhr_send` / `jsonp_send` body: past it the session is closed
   * with 1009 (a WebSocket by `ws` before the frame is buffered, a body with 413 before it is read).
   */
  readonly maxFrameBytes: number;
  /** A streaming response is ended after this many bytes, so the browser frees what it received. */
  readonly responseLimitBytes?: number;
  /** Script the iframe page loads (only cross-origin clients that cannot use CORS load that page). */
  readonly sockjsUrl?: string;
  /** The closing socket's grace before it is destroyed. */
  readonly closeGraceMs: number;
  readonly addressOf: (req: IncomingMessage) => string;
  /**
   * Closed HTTP sessions kept per client address to repeat their close frame; past it the oldest is
   * forgotten (its client's next request opens a new session). The transport passes MAX_CONNECTIONS_PER_IP.
   */
  readonly maxClosedPerAddress: number;
  /** The key closed sessions are counted under per client (an IPv6 client's /64); the transport passes the guard's. */
  readonly keyOf?: LimitKeyOf;
  /** A session opened: its first receiver got the open frame. */
  readonly onSession: (session: SockJsSession) => void;
  /** A session's backlog has not drained for two ping intervals. */
  readonly onStalled: (session: SockJsSession) => void;
}

const DEFAULT_SOCKJS_URL = 'https://cdn.jsdelivr.net/npm/sockjs-client@1/dist/sockjs.min.js';
/** `/<server>/<session>/<transport>`: ids are anything without dots or slashes, within reason. */
const SESSION_PATH = /^\/([^/.]{1,128})\/([^/.]{1,128})\/([a-z_]+)$/;
const IFRAME_PATH = /^\/iframe[0-9a-z_.-]*\.html$/;

const js = 'application/javascript; charset=UTF-8';
const framings = {
  xhr: { contentType: js, polling: true, wrap: (f: string) => `${f}\n` },
  xhr_streaming: { contentType: js, polling: false, prelude: `${'h'.repeat(2048)}\n`, wrap: (f: string) => `${f}\n` },
  eventsource: { contentType: 'text/event-stream; charset=UTF-8', polling: false, prelude: '\r\n', wrap: (f: string) => `data: ${f}\r\n\r\n` },
} satisfies Record<string, HttpFraming>;

const htmlfileFraming = (callback: string): HttpFraming => ({
  contentType: 'text/html; charset=UTF-8',
  polling: false,
  prelude: htmlfilePrelude(callback),
  // `<` escaped: the frame is inside a script element, which ends at the first `</script` even within a
  // JS string, and a member's userId (any room member's text) may hold one: script on the node's origin.
  wrap: (f) => `<script>\np(${JSON.stringify(f).replace(/</g, '\\u003c')});\n</script>\r\n`,
});

// `/**/` keeps a response from being read as a Flash file (Rosetta Flash), as sockjs-node does.
const jsonpFraming = (callback: string): HttpFraming => ({
  contentType: js,
  polling: true,
  wrap: (f) => `/**/${callback}(${JSON.stringify(f)});\r\n`,
});

/**
 * A SockJS server (sockjs-protocol 0.3.3) of the project's own. The `sockjs` package (0.3.24, no release
 * since 2021) concatenated every request body whole, chunk by chunk, before it looked at the session or
 * the size, bounded nothing it queued for a client, and gave no way to add either. Here every input is
 * bounded before it is read (bodies by their declared length and then byte by byte, WebSocket frames by
 * `ws`), a send to an unknown session is refused before its body is read, and every session's backlog is
 * counted so the slow-consumer bound holds on every transport: websocket, xhr-streaming, eventsource,
 * htmlfile, xhr-polling and jsonp-polling (the iframe variants use the same endpoints).
 */
export class SockJsServer {
  private readonly byId = new Map<string, SockJsSession>();
  /** Every live session, WebSocket ones included (they have no id the HTTP transports could reach). */
  private readonly all = new Set<SockJsSession>();
  /** Closed HTTP sessions kept to repeat their close frame, per client's limit key, oldest first. */
  private readonly closedByAddress = new Map<string, Set<SockJsSession>>();
  private closedCount = 0;
  private readonly keyOf: LimitKeyOf;
  private readonly wss: WebSocketServer;
  private readonly liveness: WebSocketLiveness;
  /** Both spread over their period (PeriodicSweep): thousands of sessions are never visited in one turn. */
  private readonly heartbeats: PeriodicSweep<SockJsSession>;
  private readonly stallChecks: PeriodicSweep<SockJsSession>;
  private readonly iframe: { readonly html: string; readonly etag: string };
  private readonly responseLimitBytes: number;
  private closed = false;

  constructor(private readonly options: SockJsServerOptions) {
    this.wss = new WebSocketServer(serverOptions(options.maxFrameBytes, options.closeGraceMs));
    this.liveness = new WebSocketLiveness(options.pingIntervalMs);
    this.iframe = iframePage(options.sockjsUrl ?? DEFAULT_SOCKJS_URL);
    this.responseLimitBytes = options.responseLimitBytes ?? 128 * 1024;
    this.keyOf = options.keyOf ?? limitKeyOf();
    this.heartbeats = new PeriodicSweep(options.heartbeatMs, (session) => session.heartbeat());
    this.stallChecks = new PeriodicSweep(options.pingIntervalMs, (session) => this.checkStall(session));
  }

  get sessionCount(): number {
    return this.all.size;
  }

  /** Sessions the node holds: open (or opening, WebSocket ones closing included), and closed HTTP ones kept for their close frame. */
  get sessionsHeld(): { readonly open: number; readonly closed: number } {
    return { open: this.all.size - this.closedCount, closed: this.closedCount };
  }

  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const rest = (query === -1 ? url : url.slice(0, query)).slice(this.options.prefix.length);
    const method = req.method ?? 'GET';
    if (rest === '' || rest === '/') return this.greeting(req, res, method);
    if (rest === '/info') return this.info(req, res, method);
    if (IFRAME_PATH.test(rest)) return this.iframePage(req, res, method);
    const match = SESSION_PATH.exec(rest);
    if (!match) return answerAndHangUp(req, res, 404, 'Not found\n');
    const sessionId = match[2]!;
    const transport = match[3]!;
    const search = query === -1 ? '' : url.slice(query);
    switch (transport) {
      case 'xhr':
      case 'xhr_streaming':
        if (method === 'OPTIONS') return answerOptions(req, res, 'OPTIONS, POST');
        if (method !== 'POST') return answerWrongMethod(res, 'OPTIONS, POST');
        return this.receive(req, res, sessionId, framings[transport]);
      case 'eventsource':
        if (method !== 'GET') return answerWrongMethod(res, 'GET');
        return this.receive(req, res, sessionId, framings.eventsource);
      case 'htmlfile':
      case 'jsonp': {
        if (method !== 'GET') return answerWrongMethod(res, 'GET');
        const callback = new URLSearchParams(search).get('c');
        if (callback === null || callback === '') return answerText(res, 500, '"callback" parameter required');
        if (!CALLBACK.test(callback)) return answerText(res, 500, 'invalid "callback" parameter');
        return this.receive(req, res, sessionId, transport === 'jsonp' ? jsonpFraming(callback) : htmlfileFraming(callback));
      }
      case 'xhr_send':
        if (method === 'OPTIONS') return answerOptions(req, res, 'OPTIONS, POST');
        if (method !== 'POST') return answerWrongMethod(res, 'OPTIONS, POST');
        return void this.receiveSend(req, res, sessionId, false);
      case 'jsonp_send':
        if (method !== 'POST') return answerWrongMethod(res, 'POST');
        return void this.receiveSend(req, res, sessionId, true);
      case 'websocket':
        if (method !== 'GET') return answerWrongMethod(res, 'GET');
        return answerText(res, 400, (req.headers.upgrade ?? '').toLowerCase() === 'websocket' ? '"Connection" must be "Upgrade".' : 'Can "Upgrade" only to "WebSocket".');
      default:
        return answerAndHangUp(req, res, 404, 'Not found\n');
    }
  }

  /** `/<server>/<session>/websocket`; anything else under the prefix is not a SockJS WebSocket. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const match = SESSION_PATH.exec((query === -1 ? url : url.slice(0, query)).slice(this.options.prefix.length));
    if (!match || match[3] !== 'websocket' || req.method !== 'GET' || this.closed) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.openWebSocket(ws, req));
  }

  /** Closes every session with `code` (their clients get the `c` frame where they can) and stops. */
  close(code: number, reason: string): void {
    this.closed = true;
    this.heartbeats.stop();
    this.stallChecks.stop();
    this.liveness.stop();
    for (const session of [...this.all]) {
      session.close(code, reason);
      session.dispose();
    }
    this.wss.close();
  }

  private greeting(req: IncomingMessage, res: ServerResponse, method: string): void {
    if (method !== 'GET') return answerWrongMethod(res, 'GET');
    answerText(res, 200, 'Welcome to SockJS!\n');
  }

  private info(req: IncomingMessage, res: ServerResponse, method: string): void {
    if (method === 'OPTIONS') return answerOptions(req, res, 'OPTIONS, GET');
    if (method !== 'GET') return answerWrongMethod(res, 'OPTIONS, GET');
    setCors(req, res);
    noCache(res);
    const body = JSON.stringify({ websocket: true, origins: ['*:*'], cookie_needed: false, entropy: randomInt(0, 2 ** 32 - 1) });
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  private iframePage(req: IncomingMessage, res: ServerResponse, method: string): void {
    if (method !== 'GET') return answerWrongMethod(res, 'GET');
    const year = 365 * 24 * 3600;
    const cache = { 'cache-control': `public, max-age=${year}`, expires: new Date(Date.now() + year * 1000).toUTCString(), etag: this.iframe.etag };
    if (req.headers['if-none-match'] === this.iframe.etag) {
      res.writeHead(304, cache).end();
      return;
    }
    res.writeHead(200, { ...cache, 'content-type': 'text/html; charset=UTF-8', 'content-length': Buffer.byteLength(this.iframe.html) });
    res.end(this.iframe.html);
  }

  /** A receiving request: opens the session when it is new, then waits for frames. */
  private receive(req: IncomingMessage, res: ServerResponse, sessionId: string, framing: HttpFraming): void {
    if (this.closed) return answerAndHangUp(req, res, 503, 'shutting down\n');
    // Receiving requests carry no body: one that does is never read, and its connection ends with the answer.
    if (hasBody(req)) hangUpAfterAnswer(req, res);
    setCors(req, res);
    let session = this.byId.get(sessionId);
    if (session === undefined) {
      session = this.newSession(sessionId, this.options.addressOf(req), false);
      this.byId.set(sessionId, session);
    }
    session.attach(new HttpReceiver(res, framing, this.responseLimitBytes));
  }

  /** `xhr_send` / `jsonp_send`: the session and the size are checked before a byte of the body is read. */
  private async receiveSend(req: IncomingMessage, res: ServerResponse, sessionId: string, jsonp: boolean): Promise<void> {
    const session = this.byId.get(sessionId);
    if (session === undefined || !session.isOpen) return answerAndHangUp(req, res, 404, 'Not found\n');
    setCors(req, res);
    noCache(res);
    const limit = this.options.maxFrameBytes;
    if (declaresTooMuch(req, limit)) return this.tooLarge(req, res, session);
    const body = await readBody(req, limit);
    if (body.kind === 'aborted') return;
    if (body.kind === 'tooLarge') return this.tooLarge(req, res, session);
    let payload = body.text;
    if (jsonp && (req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      payload = new URLSearchParams(payload).get('d') ?? '';
    }
    if (payload === '') return answerText(res, 500, 'Payload expected.');
    const messages = parsePayload(payload);
    if (messages === undefined) return answerText(res, 500, 'Broken JSON encoding.');
    session.deliver(messages);
    if (jsonp) answerText(res, 200, 'ok');
    else {
      res.writeHead(204, { 'content-type': 'text/plain; charset=UTF-8' });
      res.end();
    }
  }

  /** A body over the frame limit: 413 without reading it, and the session closes as a WebSocket would (1009). */
  private tooLarge(req: IncomingMessage, res: ServerResponse, session: SockJsSession): void {
    session.close(1009, 'Message too big');
    answerAndHangUp(req, res, 413, `a body may hold at most ${this.options.maxFrameBytes} bytes\n`);
  }

  private openWebSocket(ws: WebSocket, req: IncomingMessage): void {
    const session = this.newSession('', this.options.addressOf(req), true);
    const receiver = new WebSocketReceiver(ws, req.socket);
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const text = isBinary ? undefined : rawToText(data);
      if (text === '') return; // the protocol has empty frames ignored
      const messages = text === undefined ? undefined : parsePayload(text);
      if (messages === undefined) {
        session.close(1002, 'Broken framing');
        return;
      }
      session.deliver(messages);
    });
    ws.on('error', () => undefined);
    ws.once('close', () => {
      this.liveness.unwatch(ws);
      session.dispose();
    });
    // As for plain WebSocket clients (websocket-transport.ts): a FIN without a close frame gets no timer
    // from ws, and behind a backlog the client does not read the socket would never close.
    req.socket.once('end', () => setTimeout(() => ws.terminate(), this.options.closeGraceMs).unref());
    this.liveness.watch(ws, req.socket, { stalled: () => this.options.onStalled(session) });
    session.attach(receiver);
  }

  private newSession(id: string, remoteAddress: string, viaWebSocket: boolean): SockJsSession {
    const session = new SockJsSession(
      id,
      remoteAddress,
      viaWebSocket,
      { disconnectDelayMs: this.options.disconnectDelayMs, closeGraceMs: this.options.closeGraceMs },
      (opened) => this.options.onSession(opened),
      (gone) => {
        this.all.delete(gone);
        this.heartbeats.delete(gone);
        this.stallChecks.delete(gone);
        if (this.byId.get(gone.id) === gone) this.byId.delete(gone.id);
        this.unkeep(gone);
      },
      (closed) => this.keepClosed(closed),
    );
    this.all.add(session);
    this.heartbeats.add(session);
    if (!viaWebSocket) this.stallChecks.add(session);
    return session;
  }

  /**
   * A closed HTTP session is kept for the disconnect delay so that its client's next request gets the
   * close frame (sockjs-protocol). Whatever closed it (the client dropped a stream, a body over the limit,
   * a kick), its MAX_CONNECTIONS_PER_IP place is already free, so without a bound here one address made
   * the node hold as many as it could open and close in 5 s. Kept per address up to the same number as
   * the open ones: a whole room of clients behind one NAT closed at once still gets every close frame;
   * past it the oldest is forgotten, and its client's next poll opens a new session instead (sockjs-client
   * then reports "Server lost session", 1006). WebSocket sessions are not counted: their socket is theirs.
   */
  private keepClosed(session: SockJsSession): void {
    if (session.viaWebSocket) return;
    const key = this.keyOf(session.remoteAddress);
    let kept = this.closedByAddress.get(key);
    if (kept === undefined) {
      kept = new Set();
      this.closedByAddress.set(key, kept);
    }
    kept.add(session);
    this.closedCount += 1;
    if (kept.size <= this.options.maxClosedPerAddress) return;
    const oldest = kept.values().next().value;
    oldest?.dispose();
  }

  private unkeep(session: SockJsSession): void {
    const key = this.keyOf(session.remoteAddress);
    const kept = this.closedByAddress.get(key);
    if (kept === undefined || !kept.delete(session)) return;
    this.closedCount -= 1;
    if (kept.size === 0) this.closedByAddress.delete(key);
  }

  /** HTTP sessions only; a WebSocket session's stall is watched with its pings. */
  private checkStall(session: SockJsSession): void {
    if (session.isOpen && session.stall.tick(session.backlogBytes)) this.options.onStalled(session);
  }
}

const rawToText = (data: RawData): string => {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
};
