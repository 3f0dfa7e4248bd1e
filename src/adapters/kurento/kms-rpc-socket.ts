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

interface Pending {
  readonly operation: string;
  readonly resolve: (result: KmsResult) => void;
  readonly reject: (error: SignalingError) => void;
  readonly timer: NodeJS.Timeout;
}

export interface KmsRequestOptions {
  /** A success that arrives after the deadline, e.g. an object KMS created late that must be released. */
  readonly onLate?: (result: KmsResult) => void;
}

/** How long a timed-out request's late answer is still awaited. */
const LATE_ANSWER_WINDOW_MS = 120_000;

export interface KmsRpcSocketHandlers {
  onEvent(event: KmsEvent): void;
  /** Called once, when the socket closes for any reason other than `close()`. */
  onClosed(reason: string): void;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * One WebSocket to one KMS, speaking its JSON-RPC 2.0 dialect. Every request has its own deadline;
 * when the socket dies every request in flight fails at once with `mediaServerUnavailable` (kurento-client
 * leaves them waiting for its 20 s timeout). KMS binds objects and event subscriptions to the session id
 * it returns, so the id of the first response is sent with every later request.
 */
export class KmsRpcSocket {
  private socket: WebSocket | undefined;
  private readonly pending = new Map<number, Pending>();
  private readonly late = new Map<number, { readonly onLate: (result: KmsResult) => void; readonly timer: NodeJS.Timeout }>();
  private nextId = 1;
  private sessionId: string | undefined;
  private ended = false;

  constructor(
    readonly url: string,
    private readonly handlers: KmsRpcSocketHandlers,
  ) {}

  get session(): string | undefined {
    return this.sessionId;
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
      socket.on('error', (error) => {
        if (!opened) reject(kmsUnavailable(this.url, error.message));
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
    if (this.ended || !socket || socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(kmsUnavailable(this.url, 'not connected'));
    }
    const id = this.nextId++;
    const withSession = this.sessionId !== undefined && params.sessionId === undefined ? { ...params, sessionId: this.sessionId } : params;
    return new Promise<KmsResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        if (options.onLate) this.awaitLate(id, options.onLate);
        reject(kmsTimedOut(operation, timeoutMs));
      }, timeoutMs);
      this.pending.set(id, { operation, resolve, reject, timer });
      socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params: withSession }), (error) => {
        if (error) this.settle(id, undefined, kmsUnavailable(this.url, `send failed: ${error.message}`));
      });
    });
  }

  /** Closes without calling `onClosed`; requests in flight fail. */
  close(): void {
    this.end('closed by the signaling server', false);
    const socket = this.socket;
    if (socket && socket.readyState !== WebSocket.CLOSED) socket.terminate();
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
    for (const [id] of this.pending) this.settle(id, undefined, kmsUnavailable(this.url, reason));
    for (const entry of this.late.values()) clearTimeout(entry.timer);
    this.late.clear();
    if (notify) this.handlers.onClosed(reason);
  }
}
