import type { Logger } from '../../application';
import { kmsTimedOut, kmsUnavailable } from './kms-errors';
import { KmsRpcSocket, requestIds, type KmsEvent, type KmsRequestOptions, type KmsResult, type PendingRequest } from './kms-rpc-socket';
import type { ResolvedKurentoSettings } from './kurento-settings';
import { reconnectDelay } from '../shared/backoff';

/** `resuming`: the socket is gone but KMS may still hold the session; rooms are kept while it is tried. */
export type KmsState = 'down' | 'connecting' | 'up' | 'resuming' | 'closed';

export interface KmsConnectionEvents {
  /** Connected with a fresh KMS session (first time, or after the old one was given up). */
  onUp(connection: KmsConnection): void;
  /** The socket came back and KMS still held the session: every object made through it lives on. */
  onResumed(connection: KmsConnection): void;
  /** The session is gone (KMS restarted or forgot it, or could not be reached in time): its objects are lost. */
  onLost(connection: KmsConnection, reason: string): void;
  onEvent(connection: KmsConnection, event: KmsEvent): void;
}

const describeError = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** KMS's answer to `connect` with a session it does not hold (KurentoException INVALID_SESSION). */
const INVALID_SESSION = 40007;

/**
 * One KMS: keeps a JSON-RPC socket open, notices a broken socket at once and a KMS that stops answering
 * within `healthIntervalMs × healthFailures`, and reconnects with backoff.
 *
 * Losing the socket is not losing the session. KMS keeps a session's objects when its client goes away, and
 * lets a new socket take the session over (`connect {sessionId}`), as kurento-client does on reconnection.
 * So after a blip the connection is `resuming`: it reconnects at once and asks for its session back. Only
 * when KMS says the session is gone (INVALID_SESSION: it restarted), when nothing listens any more (the
 * process died, and its objects with it), or when no connection succeeds within `resumeWindowMs`, are the
 * session's objects reported lost; the connection then goes on with a fresh session.
 */
export class KmsConnection {
  private stateValue: KmsState = 'down';
  private socket: KmsRpcSocket | undefined;
  /** Bumped whenever a KMS session is given up or a fresh one starts, so that work begun in an older one can tell. */
  private generationValue = 0;
  /** The KMS session this connection holds objects in, kept across sockets for resuming. */
  private sessionId: string | undefined;
  private resumeDeadline = 0;
  /** Requests that were in flight when the socket went: sent again if the session is resumed. */
  private carried: PendingRequest[] = [];
  private readonly nextRequestId = requestIds();
  private attempts = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private healthFailures = 0;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly url: string,
    private readonly settings: ResolvedKurentoSettings,
    private readonly logger: Logger,
    private readonly events: KmsConnectionEvents,
  ) {}

  get state(): KmsState {
    return this.stateValue;
  }

  get generation(): number {
    return this.generationValue;
  }

  /** The KMS session id this connection's objects belong to, once KMS gave one. */
  get session(): string | undefined {
    return this.socket?.session ?? this.sessionId;
  }

  isUp(): boolean {
    return this.stateValue === 'up';
  }

  start(): void {
    if (this.stateValue === 'down' && this.retryTimer === undefined) void this.connect();
  }

  /**
   * One request with the configured deadline. While the connection is resuming, the request waits for it
   * (within its deadline) rather than failing a client for a blip; otherwise `mediaServerUnavailable`.
   */
  async request(method: string, params: Record<string, unknown>, operation: string = method, options: KmsRequestOptions = {}): Promise<KmsResult> {
    const started = Date.now();
    const waits = this.stateValue === 'resuming';
    if (waits) await this.waitUntilUp(Math.min(this.settings.requestTimeoutMs, Math.max(0, this.resumeDeadline - started)));
    const socket = this.socket;
    if (this.stateValue !== 'up' || !socket) throw kmsUnavailable(this.url, this.stateValue === 'resuming' ? 'reconnecting' : 'not connected');
    // The whole deadline when nothing was waited for (a timeout then names MEDIA_TIMEOUT_MS, not a
    // millisecond less); what is left of it after waiting for a resume.
    const timeoutMs = waits ? Math.max(1, this.settings.requestTimeoutMs - (Date.now() - started)) : this.settings.requestTimeoutMs;
    return socket.request(method, params, timeoutMs, operation, options);
  }

  /** Resolves true once connected, false when `timeoutMs` passes first or the connection is closed. */
  waitUntilUp(timeoutMs: number): Promise<boolean> {
    if (this.isUp()) return Promise.resolve(true);
    if (this.stateValue === 'closed' || timeoutMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve(this.isUp());
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
    });
  }

  close(): void {
    this.stateValue = 'closed';
    this.failCarried('closed by the signaling server');
    clearTimeout(this.retryTimer);
    clearTimeout(this.healthTimer);
    this.retryTimer = undefined;
    this.socket?.close();
    this.socket = undefined;
    this.wakeWaiters();
  }

  private async connect(): Promise<void> {
    this.retryTimer = undefined;
    if (this.stateValue === 'closed') return;
    const resuming = this.stateValue === 'resuming' && this.sessionId !== undefined;
    if (!resuming) this.stateValue = 'connecting';
    const socket = new KmsRpcSocket(
      this.url,
      {
        onEvent: (event) => {
          if (this.socket === socket) this.events.onEvent(this, event);
        },
        onClosed: (reason) => this.dropped(socket, reason),
      },
      this.nextRequestId,
    );
    this.socket = socket;
    let resumed = false;
    try {
      await socket.open(this.settings.connectTimeoutMs);
      // KMS's keep-alive handshake: the first ping announces how often we will ping.
      const pong = await socket.request('ping', { interval: this.settings.healthIntervalMs }, this.settings.connectTimeoutMs);
      if (pong.value !== 'pong') throw new Error(`unexpected answer to ping: ${JSON.stringify(pong.value)}`);
      if (resuming) resumed = await this.resume(socket);
    } catch (error) {
      if (this.socket !== socket) return;
      socket.close();
      this.socket = undefined;
      this.connectFailed(socket, error);
      return;
    }
    if (this.socket !== socket || (this.stateValue as KmsState) === 'closed') return;
    this.stateValue = 'up';
    this.attempts = 0;
    this.healthFailures = 0;
    this.scheduleHealth();
    this.wakeWaiters();
    try {
      if (resumed) {
        const carried = this.carried.splice(0);
        socket.adopt(carried);
        this.logger.info({ kms: this.url, session: this.sessionId, resent: carried.length }, 'reconnected to Kurento Media Server and resumed the session');
        this.events.onResumed(this);
      } else {
        this.generationValue += 1;
        this.sessionId = undefined;
        this.logger.info({ kms: this.url }, 'connected to Kurento Media Server');
        this.events.onUp(this);
      }
    } catch (error) {
      this.logger.error({ kms: this.url, err: describeError(error) }, 'handling a KMS connection failed');
    }
  }

  /**
   * Asks KMS for the old session on a new socket. True when KMS still holds it; false (after reporting
   * the loss) when KMS answers that it does not, the new socket then starting a fresh session.
   */
  private async resume(socket: KmsRpcSocket): Promise<boolean> {
    const sessionId = this.sessionId;
    try {
      const answer = await socket.request('connect', { sessionId }, this.settings.connectTimeoutMs);
      if (answer.sessionId === sessionId) return true;
      this.lose(`KMS answered connect with another session (${String(answer.sessionId)})`);
      return false;
    } catch (error) {
      const code = (error as { details?: { kmsErrorCode?: number } }).details?.kmsErrorCode;
      if (code !== INVALID_SESSION) throw error;
      this.lose('KMS no longer holds the session (it restarted or dropped it)');
      return false;
    }
  }

  private connectFailed(socket: KmsRpcSocket, error: unknown): void {
    const why = describeError(error);
    if (this.stateValue === 'resuming') {
      if (socket.refused) {
        // Nothing listens: the KMS process is gone, and every session with it.
        this.lose(`KMS refuses connections (${why})`);
      } else if (Date.now() >= this.resumeDeadline) {
        this.lose(`no connection to KMS within ${this.settings.resumeWindowMs} ms (${why})`);
      }
    } else {
      this.stateValue = 'down';
    }
    this.logger.warn({ kms: this.url, reason: why, attempt: this.attempts + 1, state: this.stateValue }, 'cannot connect to Kurento Media Server');
    this.scheduleReconnect();
  }

  /** The session's objects are gone: tell the owner once, and go on as a connection without a session. */
  private lose(reason: string): void {
    const wasResuming = this.stateValue === 'resuming';
    this.sessionId = undefined;
    this.generationValue += 1;
    this.failCarried(reason);
    if (this.stateValue !== 'closed') this.stateValue = 'down';
    this.wakeWaiters();
    if (!wasResuming) return;
    this.logger.error({ kms: this.url, reason }, 'lost the Kurento Media Server session');
    try {
      this.events.onLost(this, reason);
    } catch (err) {
      this.logger.error({ kms: this.url, err: describeError(err) }, 'handling the loss of a KMS failed');
    }
  }

  private dropped(socket: KmsRpcSocket, reason: string): void {
    if (this.socket !== socket) return;
    if (this.stateValue !== 'up') return; // a failed attempt is handled by connect()
    this.sessionId = socket.session;
    if (this.sessionId !== undefined) this.carry(socket.takePending());
    socket.close();
    this.socket = undefined;
    clearTimeout(this.healthTimer);
    if (this.sessionId === undefined) {
      // Nothing was created through this session: nothing to resume, nothing lost.
      this.logger.warn({ kms: this.url, reason }, 'lost the connection to Kurento Media Server');
      this.stateValue = 'down';
      this.scheduleReconnect();
      return;
    }
    this.logger.warn({ kms: this.url, reason, resumeWindowMs: this.settings.resumeWindowMs }, 'lost the connection to Kurento Media Server; resuming its session');
    this.stateValue = 'resuming';
    this.resumeDeadline = Date.now() + this.settings.resumeWindowMs;
    this.attempts = 0;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), 0);
  }

  /** Holds requests in flight over the gap; each still fails at its own deadline. */
  private carry(requests: PendingRequest[]): void {
    this.carried = requests;
    for (const request of requests) {
      request.timer = setTimeout(() => {
        this.carried = this.carried.filter((r) => r !== request);
        request.reject(kmsTimedOut(request.operation, request.timeoutMs));
      }, Math.max(0, request.deadline - Date.now()));
    }
  }

  private failCarried(reason: string): void {
    for (const request of this.carried.splice(0)) {
      clearTimeout(request.timer);
      request.reject(kmsUnavailable(this.url, reason));
    }
  }

  private scheduleReconnect(): void {
    if (this.stateValue === 'closed') return;
    let delay = reconnectDelay(this.attempts, this.settings.reconnectMinMs, this.settings.reconnectMaxMs);
    // While resuming, the last attempt is made at the deadline, not after it.
    if (this.stateValue === 'resuming') delay = Math.max(1, Math.min(delay, this.resumeDeadline - Date.now()));
    this.attempts += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }

  private scheduleHealth(): void {
    clearTimeout(this.healthTimer);
    this.healthTimer = setTimeout(() => void this.probe(), this.settings.healthIntervalMs);
  }

  /**
   * A KMS that hangs while its socket stays open is only noticed by asking it something. KMS answers one
   * connection's requests in order, so a ping waits behind every slow request sent before it: a ping
   * unanswered in time counts as a failure only if KMS answered nothing else meanwhile. A busy KMS keeps
   * answering; a hung one answers nothing.
   */
  private async probe(): Promise<void> {
    const socket = this.socket;
    if (!socket || this.stateValue !== 'up') return;
    const sentAt = Date.now();
    try {
      await socket.request('ping', {}, this.settings.healthTimeoutMs);
      this.healthFailures = 0;
    } catch (error) {
      if (socket.lastAnswerAt >= sentAt) {
        this.healthFailures = 0;
        this.logger.debug({ kms: this.url }, 'KMS is busy: the health ping waits behind other requests, which it keeps answering');
      } else {
        this.healthFailures += 1;
        this.logger.warn({ kms: this.url, failures: this.healthFailures, err: describeError(error) }, 'KMS health check failed');
      }
    }
    if (this.socket !== socket || this.stateValue !== 'up') return;
    if (this.healthFailures >= this.settings.healthFailures) {
      this.dropped(socket, `${this.healthFailures} health checks failed`);
    } else {
      this.scheduleHealth();
    }
  }

  private wakeWaiters(): void {
    for (const w of [...this.waiters]) w();
  }
}

