import { ConnectionLostError, RequestTimeoutError, SignalingError } from './errors';
import type { ClientMessage, ClientMessageOf, ErrorMessage, ReplyTo, RequestMessageId, ServerMessage, ServerMessageOf } from './protocol';

/** What the client needs of a WebSocket: the browser's, or the `ws` package's in Node. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
/** `WebSocket` in browsers (and Node 22+), or `import WebSocket from 'ws'`. */
export type WebSocketConstructor = new (url: string) => unknown;

const OPEN = 1;

export interface ClosedInfo {
  readonly code: number;
  readonly reason: string;
  /** The `error` without a requestId the server sent just before closing (serverShuttingDown, roomMoved, ...). */
  readonly error?: SignalingError;
  /** Set when this side gave the connection up because the server went silent (the heartbeat). */
  readonly heartbeatTimedOut?: true;
}

/** A `ping` every `intervalMs`; silence (no `ack`, nor any other frame) for `timeoutMs` after one ends the connection. */
export interface HeartbeatOptions {
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

/** Runs `f` after input already received is handled: setImmediate in Node, a task after queued events in browsers. */
const afterPendingInput = (f: () => void): void => {
  // The library's types are the DOM's; Node's setImmediate is looked up, not declared.
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  if (typeof immediate === 'function') immediate(f);
  else setTimeout(f, 0);
};

/** Close code of a connection given up for silence (4000–4999: the application's own). */
export const HEARTBEAT_CLOSE_CODE = 4001;

interface Pending {
  readonly expect: string;
  readonly resolve: (message: ServerMessage) => void;
  readonly reject: (error: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * One signaling socket: typed messages in and out, and requests matched to their replies by `requestId`
 * (an `error` with that requestId rejects with a typed SignalingError). Everything else goes to `onMessage`.
 */
export class SignalingConnection {
  onMessage: (message: ServerMessage) => void = () => undefined;
  onClose: (info: ClosedInfo) => void = () => undefined;
  private readonly pending = new Map<string, Pending>();
  private lastError: SignalingError | undefined;
  private closed = false;
  /** Frames received so far: a ping's answer is any frame after it, not only its ack. */
  private framesReceived = 0;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private pinging = false;
  private static seq = 0;

  private constructor(
    private readonly socket: WebSocketLike,
    readonly url: string,
  ) {}

  /** Opens a socket; rejects with ConnectionLostError when it cannot (refused, or not open within `timeoutMs`). */
  static open(url: string, WebSocketImpl: WebSocketConstructor, timeoutMs: number): Promise<SignalingConnection> {
    return new Promise((resolve, reject) => {
      let socket: WebSocketLike;
      try {
        socket = new WebSocketImpl(url) as WebSocketLike;
      } catch (error) {
        reject(new ConnectionLostError(`cannot open ${url}: ${String(error)}`));
        return;
      }
      const timer = setTimeout(() => {
        socket.onclose = null;
        socket.close();
        reject(new ConnectionLostError(`${url} did not open within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.onerror = () => undefined;
      socket.onclose = (event) => {
        clearTimeout(timer);
        reject(new ConnectionLostError(`cannot connect to ${url} (${event.code})`, event.code));
      };
      socket.onopen = () => {
        clearTimeout(timer);
        resolve(new SignalingConnection(socket, url).wire());
      };
    });
  }

  get isOpen(): boolean {
    return !this.closed && this.socket.readyState === OPEN;
  }

  /** Sends a message; returns false when the socket is not open (the message is dropped). */
  send(message: ClientMessage & { requestId?: string }): boolean {
    if (!this.isOpen) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  /** A fresh request id, unique within this page or process. */
  static nextRequestId(): string {
    return `c${(SignalingConnection.seq += 1)}`;
  }

  /** Sends a request and resolves with its reply (`ack` for those with no natural one). */
  request<I extends RequestMessageId>(message: ClientMessageOf<I>, timeoutMs = 10_000): Promise<ServerMessageOf<ReplyTo[I]>> {
    const requestId = SignalingConnection.nextRequestId();
    const id = (message as ClientMessage).id as RequestMessageId;
    const expect = REPLY_IDS[id];
    return new Promise((resolve, reject) => {
      if (!this.send({ ...message, requestId })) {
        reject(new ConnectionLostError('not connected'));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new RequestTimeoutError(`${id}: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(requestId, { expect, resolve: resolve as (m: ServerMessage) => void, reject, timer });
    });
  }

  close(code = 1000, reason = ''): void {
    if (this.closed) return;
    this.socket.close(code, reason);
    this.finish({ code, reason });
  }

  /**
   * Pings the server while the connection lives. A browser cannot see the server's WebSocket pings, and a
   * frozen host or a network that drops packets without a FIN leaves the socket "open" for minutes: this
   * is how the client notices, closes, and (RoomClient) resumes elsewhere. Any frame received after a ping
   * counts as an answer: a server busy with a long request is alive. A refusal (`error unknownMessage`
   * from a server without `ping`) counts too.
   */
  startHeartbeat(options: HeartbeatOptions): void {
    if (this.heartbeat !== undefined || this.closed || options.intervalMs <= 0 || options.timeoutMs <= 0) return;
    this.heartbeat = setInterval(() => this.beat(options.timeoutMs), options.intervalMs);
    (this.heartbeat as { unref?: () => void }).unref?.();
  }

  private beat(timeoutMs: number): void {
    if (this.pinging || !this.isOpen) return;
    this.pinging = true;
    const before = this.framesReceived;
    this.request({ id: 'ping' }, timeoutMs).then(
      () => (this.pinging = false),
      (error: unknown) => {
        if (!(error instanceof RequestTimeoutError)) {
          this.pinging = false;
          return;
        }
        // Judged a turn later: after this client's own loop stalled, its timers run before the socket is
        // read, and an ack already waiting there must count.
        afterPendingInput(() => {
          this.pinging = false;
          if (this.framesReceived > before || this.closed) return;
          this.socket.close(HEARTBEAT_CLOSE_CODE, 'heartbeat timeout');
          this.finish({ code: HEARTBEAT_CLOSE_CODE, reason: `no frame from the server within ${timeoutMs} ms of a ping` }, true);
        });
      },
    );
  }

  private wire(): this {
    this.socket.onmessage = (event) => this.receive(event.data);
    this.socket.onclose = (event) => this.finish({ code: event.code, reason: event.reason });
    this.socket.onerror = () => undefined;
    return this;
  }

  private receive(data: unknown): void {
    this.framesReceived += 1;
    let message: ServerMessage;
    try {
      message = JSON.parse(String(data)) as ServerMessage;
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null || typeof message.id !== 'string') return;
    // This library only sends string ids; a number can only be some other sender's request.
    const requestId = 'requestId' in message && typeof message.requestId === 'string' ? message.requestId : undefined;
    const waiting = requestId === undefined ? undefined : this.pending.get(requestId);
    if (waiting && (message.id === waiting.expect || message.id === 'error')) {
      this.pending.delete(requestId!);
      clearTimeout(waiting.timer);
      if (message.id === 'error') waiting.reject(SignalingError.from(message));
      else waiting.resolve(message);
      // Replies also reach the listener, as notifications: a join reply carries the room's state.
    }
    if (message.id === 'error' && message.requestId === undefined) this.lastError = SignalingError.from(message as ErrorMessage);
    this.onMessage(message);
  }

  private finish(info: { code: number; reason: string }, heartbeatTimedOut = false): void {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.socket.onmessage = null;
    this.socket.onclose = null;
    for (const [, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new ConnectionLostError(`connection closed (${info.code})`, info.code));
    }
    this.pending.clear();
    // A server gone silent said nothing about it: an earlier error is not why the connection ended.
    const error = heartbeatTimedOut ? undefined : this.lastError;
    this.onClose({ ...info, ...(error ? { error } : {}), ...(heartbeatTimedOut ? { heartbeatTimedOut: true as const } : {}) });
  }
}

const REPLY_IDS: Readonly<Record<RequestMessageId, string>> = {
  joinRoom: 'existingParticipants',
  resumeSession: 'existingParticipants',
  receiveVideoFrom: 'receiveVideoAnswer',
  publish: 'receiveVideoAnswer',
  videoStateFrom: 'videoStateAnswer',
  audioStateFrom: 'audioStateAnswer',
  leaveRoom: 'ack',
  subscribeAnswer: 'ack',
  onIceCandidate: 'ack',
  peerAnswer: 'ack',
  peerIceCandidate: 'ack',
  ping: 'ack',
};
