import WebSocket from 'ws';
import type { SignalingError } from '../../domain';
import { kmsRefused, kmsTimedOut, kmsUnavailable, parseKmsError } from './kms-errors';

/** An `onEvent` notification from KMS: `params.value = {object, type, data}`. */
export interface KmsEvent {
  readonly object: string;
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export type KmsResult = Readonly<Record<string, unknown>>;

/** A request waiting for its answer. It can move to another socket of the same session (see `adopt`). */
export interface PendingRequest {
  readonly id: number;
  readonly operation: string;
  /** The frame as sent, to send again unchanged (same id, same session) on a resumed socket. */
  readonly frame: string;
  readonly deadline: number;
  readonly timeoutMs: number;
  readonly onLate: ((result: KmsResult) => void) | undefined;
  readonly resolve: (result: KmsResult) => void;
  readonly reject: (error: SignalingError) => void;
  timer: NodeJS.Timeout | undefined;
}

export interface KmsRequestOptions {
  /** A success that arrives after the deadline, e.g. an object KMS created late that must be released. */
  readonly onLate?: (result: KmsResult) => void;
}

/** How long a timed-out request's late answer is still awaited. */
const LATE_ANSWER_WINDOW_MS = 120_000;
/**
 * KMS keeps answers in its request cache for 20 s: a request older than that must not be sent again, KMS
 * might carry it out a second time. (A margin for clock and transit.)
 */
const REQUEST_CACHE_MS = 19_000;

export interface KmsRpcSocketHandlers {
  onEvent(event: KmsEvent): void;
  /** Called once, when the socket closes for any reason other than `close()`, before requests in flight fail. */
  onClosed(reason: string): void;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Request ids that never repeat for a connection's whole life, across its sockets. */
export const requestIds = (): (() => number) => {
  let next = 1;
  return () => next++;
};

/**
 * One WebSocket to one KMS, speaking its JSON-RPC 2.0 dialect. Every request has its own deadline;
 * when the socket dies every request in flight fails at once with `mediaServerUnavailable` (kurento-client
 * leaves them waiting for its 20 s timeout). KMS binds objects and event subscriptions to the session id
 * it returns, so the id of the first response is sent with every later request.
 *
 * Request ids come from `nextId`, shared by every socket of one KmsConnection: KMS answers a request whose
 * (sessionId, id) it saw in the last 20 s from its request cache, so a socket that resumes a session must
 * go on counting where the last one stopped (kurento-client does the same: one id counter per client).
 */
export class KmsRpcSocket {
  private socket: WebSocket | undefined;
  private readonly pending = new Map<number, PendingRequest>();
  private readonly late = new Map<number, { readonly onLate: (result: KmsResult) => void; readonly timer: NodeJS.Timeout }>();
  private sessionId: string | undefined;
  private ended = false;
  private refusedValue = false;
  private lastAnswer = 0;

  constructor(
    readonly url: string,
    private readonly handlers: KmsRpcSocketHandlers,
    private readonly nextId: () => number = requestIds(),
  ) {}

  get session(): string | undefined {
    return this.sessionId;
  }

  /** Whether opening failed because nothing listened (ECONNREFUSED): the KMS process is not running. */
  get refused(): boolean {
    return this.refusedValue;
  }

  /** When KMS last answered a request on this socket (events do not count: a wedged KMS may still send some). */
  get lastAnswerAt(): number {
    return this.lastAnswer;
  }

  /** Opens the WebSocket; rejects with `mediaServerUnavailable` on refusal or after `timeoutMs`. */
  open(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(this.url, { handshakeTimeout: timeoutMs, maxPayload: 16 * 1024 * 1024 });
      this.socket = socket;
      let opened = false;
      socket.on('open', () => {
        opened = true;
        resolve();
      });
      socket.on('message', (data) => this.receive(data.toString()));
      // Without a listener an unreachable KMS would crash the process.
      socket.on('error', (error: NodeJS.ErrnoException) => {
        if (opened) return;
        if (error.code === 'ECONNREFUSED') this.refusedValue = true;
        reject(kmsUnavailable(this.url, error.message));
      });
      socket.on('close', (code, reason) => {
        const why = `socket closed (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})`;
        if (!opened) reject(kmsUnavailable(this.url, why));
        this.end(why, true);
      });
    });
  }

  /** Sends one request; resolves with KMS's `result` object. */
  request(
    method: string,
    params: Record<string, unknown>,
    timeoutMs: number,
    operation: string = method,
    options: KmsRequestOptions = {},
  ): Promise<KmsResult> {
    const socket = this.socket;
    if (this.ended || !socket || (socket.readyState !== WebSocket.OPEN && socket.readyState !== WebSocket.CLOSING)) {
      return Promise.reject(kmsUnavailable(this.url, 'not connected'));
    }
    const id = this.nextId();
    const frame = this.frameOf(id, method, params);
    return new Promise<KmsResult>((resolve, reject) => {
      this.track({ id, operation, frame, deadline: Date.now() + timeoutMs, timeoutMs, onLate: options.onLate, resolve, reject, timer: undefined });
      this.transmit(id, frame);
    });
  }

  /**
   * Takes every request still waiting for an answer off this socket, for a socket that resumes the same
   * session to send again (`adopt`). Their deadlines keep running.
   */
  takePending(): PendingRequest[] {
    const taken = [...this.pending.values()];
    this.pending.clear();
    for (const entry of taken) clearTimeout(entry.timer);
    return taken;
  }

  /**
   * Sends requests taken from a lost socket of this session again, unchanged. KMS answers a (session, id)
   * it already handled from its request cache, so a request that reached KMS before the blip is not done
   * twice, and one that did not is done now.
   */
  adopt(requests: readonly PendingRequest[]): void {
    for (const entry of requests) {
      clearTimeout(entry.timer);
      if (Date.now() >= entry.deadline) {
        entry.reject(kmsTimedOut(entry.operation, entry.timeoutMs));
        continue;
      }
      if (Date.now() - (entry.deadline - entry.timeoutMs) >= REQUEST_CACHE_MS) {
        entry.reject(kmsUnavailable(this.url, 'the connection was lost before KMS answered, too long ago to ask again safely'));
        continue;
      }
      this.track(entry);
      this.transmit(entry.id, entry.frame);
    }
  }

  /** Closes without calling `onClosed`; requests in flight fail. */
  close(): void {
    this.end('closed by the signaling server', false);
    const socket = this.socket;
    if (socket && socket.readyState !== WebSocket.CLOSED) socket.terminate();
  }

  /**
   * A request as kurento-client (kurento-jsonrpc's packer) writes it: `jsonrpc`, `method`, `params` (left
   * out when empty), `id`; the session in the params of every request but `ping` and `connect`, which
   * kurento-client sends as they are.
   */
  private frameOf(id: number, method: string, params: Record<string, unknown>): string {
    const inSession = this.sessionId !== undefined && params.sessionId === undefined && method !== 'ping' && method !== 'connect';
    const full = inSession ? { ...params, sessionId: this.sessionId } : params;
    return JSON.stringify({ jsonrpc: '2.0', method, ...(Object.keys(full).length > 0 ? { params: full } : {}), id });
  }

  private track(entry: PendingRequest): void {
    entry.timer = setTimeout(() => {
      this.pending.delete(entry.id);
      if (entry.onLate) this.awaitLate(entry.id, entry.onLate);
      entry.reject(kmsTimedOut(entry.operation, entry.timeoutMs));
    }, Math.max(0, entry.deadline - Date.now()));
    this.pending.set(entry.id, entry);
  }

  private transmit(id: number, frame: string): void {
    const socket = this.socket;
    // A socket whose peer is gone is CLOSING until its 'close' event, and that event is what tells the
    // owner of the blip. A request made in that gap was failed at once as "not connected" although the
    // session was about to be resumed; it now waits in `pending` like one sent just before the drop, and is
    // handed over at close (sent again on the resumed session, or failed with the rest).
    if (!this.ended && socket?.readyState === WebSocket.CLOSING) return;
    if (this.ended || !socket || socket.readyState !== WebSocket.OPEN) {
      this.settle(id, undefined, kmsUnavailable(this.url, 'not connected'));
      return;
    }
    socket.send(frame, (error) => {
      // A send that fails on a closing socket is handed over at close like the one above.
      if (error && (this.ended || socket.readyState === WebSocket.OPEN)) this.settle(id, undefined, kmsUnavailable(this.url, `send failed: ${error.message}`));
    });
  }

  private receive(raw: string): void {
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch {
      return; // KMS never sends malformed JSON; a proxy's junk must not crash us.
    }
    if (!isRecord(message)) return;
    if (message.method === 'onEvent') {
      const value = isRecord(message.params) && isRecord(message.params.value) ? message.params.value : undefined;
      if (value && typeof value.object === 'string' && typeof value.type === 'string') {
        this.handlers.onEvent({ object: value.object, type: value.type, data: isRecord(value.data) ? value.data : {} });
      }
      return;
    }
    if (typeof message.id !== 'number') return;
    this.lastAnswer = Date.now();
    const entry = this.pending.get(message.id);
    if (!entry) {
      this.lateAnswer(message.id, message.error === undefined && isRecord(message.result) ? message.result : undefined);
      return;
    }
    if (message.error !== undefined) {
      this.settle(message.id, undefined, kmsRefused(entry.operation, parseKmsError(message.error)));
      return;
    }
    const result = isRecord(message.result) ? message.result : {};
    if (typeof result.sessionId === 'string' && this.sessionId === undefined) this.sessionId = result.sessionId;
    this.settle(message.id, result, undefined);
  }

  private awaitLate(id: number, onLate: (result: KmsResult) => void): void {
    const timer = setTimeout(() => this.late.delete(id), LATE_ANSWER_WINDOW_MS);
    timer.unref();
    this.late.set(id, { onLate, timer });
  }

  private lateAnswer(id: number, result: KmsResult | undefined): void {
    const entry = this.late.get(id);
    if (!entry) return;
    this.late.delete(id);
    clearTimeout(entry.timer);
    if (result) entry.onLate(result);
  }

  private settle(id: number, result: KmsResult | undefined, error: SignalingError | undefined): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    if (error) entry.reject(error);
    else entry.resolve(result ?? {});
  }

  private end(reason: string, notify: boolean): void {
    if (this.ended) return;
    this.ended = true;
    // The owner may take the requests in flight (takePending) to send them again on a resumed socket.
    if (notify) this.handlers.onClosed(reason);
    for (const [id] of this.pending) this.settle(id, undefined, kmsUnavailable(this.url, reason));
    for (const entry of this.late.values()) clearTimeout(entry.timer);
    this.late.clear();
  }
}
