import { backoffDelay, type BackoffOptions } from './backoff';
import { SignalingConnection, type ClosedInfo, type WebSocketConstructor } from './connection';
import { Emitter } from './emitter';
import { ConnectionLostError, FINAL_CODES, SignalingError } from './errors';
import type { ClientMessage, IceServer, Joined, MediaCapabilities, Member, ServerMessage } from './protocol';
import { hintedDelay } from './retry-hint';

/**
 * connecting → joined → reconnecting → resumed | joined (a fresh join after the seat was lost) | left.
 * `joined` and `resumed` are both "in the room".
 */
export type ConnectionState = 'idle' | 'connecting' | 'joined' | 'reconnecting' | 'resumed' | 'left';

export interface RoomClientOptions {
  /** A node's WebSocket endpoint, e.g. `wss://rtc.example.org/rtc/websocket`. Needed unless `lookupUrl` is given. */
  readonly url?: string;
  /**
   * The HTTP base of the cluster (e.g. `https://rtc.example.org`): `GET /v1/rooms/:roomId/node` tells which
   * node hosts the room. Several bases are tried in turn when one does not answer.
   */
  readonly lookupUrl?: string | readonly string[];
  readonly roomId: string;
  readonly userId: string;
  readonly communityId?: string;
  /** A JWT, when the server runs with AUTH=jwt. */
  readonly token?: string;
  /** Shown to the others instead of the user id (an additive field the seed's clients ignore). */
  readonly displayName?: string;
  /** The camera and microphone state announced when joining (and rejoining). Default true. */
  readonly video?: boolean;
  readonly audio?: boolean;
  /** Ask for a seat that survives a dropped connection. Default true. */
  readonly resumable?: boolean;
  /** Reconnect automatically; `false` ends the session at the first drop. */
  readonly reconnect?: false | (BackoffOptions & { readonly maxAttempts?: number });
  /** For a join or resume (and the socket to open). Default 15 s. */
  readonly requestTimeoutMs?: number;
  /**
   * While in the room, a `ping` this often (default 15 s; 0: none). When neither its `ack` nor any other
   * frame comes within `heartbeatTimeoutMs` (default 10 s), the connection is taken for lost and the
   * client reconnects and resumes, cause `heartbeatTimeout`: a frozen server or a silent network is found
   * in at most the sum of the two, where the socket alone could stay "open" for minutes.
   */
  readonly heartbeatMs?: number;
  readonly heartbeatTimeoutMs?: number;
  /** `WebSocket` by default; in Node 20 pass the `ws` package's. */
  readonly WebSocket?: WebSocketConstructor;
  readonly fetch?: typeof fetch;
  /** How many `wrongNode`/`roomMoved` redirects one attempt follows. Default 3. */
  readonly maxRedirects?: number;
  /** For tests: the jitter source. */
  readonly random?: () => number;
}

export interface LeftInfo {
  /** Why: `left` (this client), a refusal or final error's code, or `gaveUp` after the reconnect attempts ran out. */
  readonly reason: string;
  readonly error?: Error;
}

export interface ReconnectingInfo {
  readonly attempt: number;
  /** Why the connection was lost: a close code's error (`serverShuttingDown`, `roomMoved`, ...) or `closed`. */
  readonly cause: string;
  /** When the next attempt starts, ms from now. */
  readonly delayMs: number;
}

type Events = {
  state: [ConnectionState];
  /** Every server message, typed. */
  message: [ServerMessage];
  /** In the room: after the first join, a resume (`resumed: true`), or a fresh join after a refused resume (`rejoined: true`). */
  joined: [Joined, { readonly resumed: boolean; readonly rejoined: boolean }];
  reconnecting: [ReconnectingInfo];
  /** A `joinRoom` or `resumeSession` is being sent on an open connection (for latency measurements). */
  sending: ['joinRoom' | 'resumeSession'];
  left: [LeftInfo];
  /** A member joined, resumed, left or changed its camera/microphone; `members` is the new list. */
  members: [readonly Member[]];
};

/**
 * Longer than the server's own deadline for the media server (MEDIA_TIMEOUT_MS, 10 s by default), so a
 * join that waits on an unreachable media server ends with the server's typed answer, not a client timeout.
 */
const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
const DEFAULT_HEARTBEAT_MS = 15_000;
const DEFAULT_HEARTBEAT_TIMEOUT_MS = 10_000;
/**
 * Room events held while a join or resume waits for its reply (see enter). A real room sends a handful in
 * one round trip; a server sending more is broken or hostile, and the connection is closed rather than
 * letting it grow the client's memory until the request times out.
 */
export const MAX_EVENTS_BEFORE_JOIN_REPLY = 1_000;
/** The close code of a connection whose server sent more than that. */
export const TOO_MANY_EARLY_EVENTS_CLOSE_CODE = 4002;
const HEARTBEAT_RECONNECT_SPREAD_MS = 1_000;

/** Refusals of a rejoin that pass: another node, Redis or the media server back, the rate limit refilled. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'wrongNode',
  'roomMoved',
  'stateStoreUnavailable',
  'nodeFull',
  'rateLimited',
  'mediaServerUnavailable',
  'mediaBackendError',
  'internalError',
]);

/** Refusals that name where the room is (`details.nodeUrl`) and leave the seat as it was. */
const REDIRECTS: ReadonlySet<string> = new Set(['wrongNode', 'roomMoved']);

/**
 * A participant's session with the signaling server: joins (looking the room's node up and following
 * `wrongNode`), keeps the member list, and when the connection is lost reconnects with capped back-off
 * and jitter, resuming the held seat (`resumeSession`) where the server offered one and joining afresh
 * after `resumeFailed`; `serverShuttingDown` and `roomMoved` are losses with a hint (when, and where).
 */
export class RoomClient extends Emitter<Events> {
  state: ConnectionState = 'idle';
  /** The last join or resume reply. */
  session: Joined | undefined;
  private connection: SignalingConnection | undefined;
  private readonly others = new Map<string, Member>();
  private resumeToken: string | undefined;
  private nodeUrl: string | undefined;
  private video: boolean;
  private audio: boolean;
  private wake: (() => void) | undefined;
  private offline = false;
  private lookupIndex = 0;
  /** Why this client closed its own connection, when it did so to start over. */
  private lastCause: string | undefined;
  private readonly removeNetworkListeners: () => void;

  constructor(private readonly options: RoomClientOptions) {
    super();
    if (!options.url && !options.lookupUrl) throw new TypeError('RoomClient needs url or lookupUrl');
    this.video = options.video ?? true;
    this.audio = options.audio ?? true;
    this.nodeUrl = options.url;
    this.removeNetworkListeners = this.watchNetwork();
  }

  get userId(): string {
    return this.session?.userId ?? this.options.userId;
  }
  /** The node this client is connected to now. */
  get url(): string | undefined {
    return this.connection?.url;
  }
  get roomId(): string {
    return this.options.roomId;
  }
  get media(): MediaCapabilities | undefined {
    return this.session?.media;
  }
  get iceServers(): readonly IceServer[] {
    return this.session?.iceServers ?? [];
  }
  get members(): readonly Member[] {
    return [...this.others.values()];
  }
  get inRoom(): boolean {
    return this.state === 'joined' || this.state === 'resumed';
  }
  get mediaState(): { readonly video: boolean; readonly audio: boolean } {
    return { video: this.video, audio: this.audio };
  }

  /** Joins the room. Rejects with a SignalingError (roomFull, unauthorized, invalidMessage, ...) or ConnectionLostError; the client is then `left`. */
  async join(): Promise<Joined> {
    if (this.state !== 'idle' && this.state !== 'left') throw new Error(`join() while ${this.state}`);
    this.setState('connecting');
    try {
      const joined = await this.attempt(false);
      return joined;
    } catch (error) {
      this.end({ reason: error instanceof SignalingError ? error.code : 'unreachable', error: error as Error });
      throw error;
    }
  }

  /** Leaves the room and closes the connection; no reconnect follows. */
  async leave(): Promise<void> {
    const connection = this.connection;
    this.end({ reason: 'left' });
    if (connection?.isOpen) {
      await connection.request({ id: 'leaveRoom' }, 2_000).catch(() => undefined);
      connection.close();
    }
  }

  /** Turns the camera or microphone state on or off for the others (and for a later rejoin). */
  async setMediaState(kind: 'video' | 'audio', enabled: boolean): Promise<void> {
    if (kind === 'video') this.video = enabled;
    else this.audio = enabled;
    if (!this.inRoom || !this.connection?.isOpen) return; // sent with the next join; a resume keeps the server's
    if (kind === 'video') await this.connection.request({ id: 'videoStateFrom', userId: this.userId, video: enabled });
    else await this.connection.request({ id: 'audioStateFrom', userId: this.userId, audio: enabled });
  }

  /** Sends a message on the current connection (media signaling); false when there is none. */
  send(message: ClientMessage & { requestId?: string }): boolean {
    return this.connection?.send(message) ?? false;
  }

  /** For tests and network changes: closes the socket as a lost network would; the client reconnects. */
  dropConnection(): void {
    this.connection?.close(4000, 'dropped by the client');
  }

  // ---- joining and coming back ----

  /** One join (or resume) on a fresh connection, following redirects. */
  private async attempt(reconnecting: boolean): Promise<Joined> {
    const maxRedirects = this.options.maxRedirects ?? 3;
    for (let redirects = 0; ; redirects += 1) {
      const url = await this.resolveUrl();
      const connection = await SignalingConnection.open(url, this.webSocket(), this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
      try {
        return await this.enter(connection, reconnecting);
      } catch (error) {
        connection.close();
        const redirect = error instanceof SignalingError && REDIRECTS.has(error.code);
        const target = redirect ? error.details.nodeUrl : undefined;
        if (typeof target === 'string' && redirects < maxRedirects) {
          this.nodeUrl = target;
          continue;
        }
        // A node that lost the room without knowing where it went: ask the cluster again next time.
        if (redirect) this.nodeUrl = this.options.url;
        throw error;
      }
    }
  }

  private async enter(connection: SignalingConnection, reconnecting: boolean): Promise<Joined> {
    const timeout = this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    // Room events are held until the join reply's member list is in place: ws (unlike a browser) hands over
    // every frame of one read before the reply's promise continues, and an event applied first was then
    // overwritten by the older list (a member who had reconnected stayed listed as reconnecting).
    const early: ServerMessage[] = [];
    connection.onMessage = (message) => {
      if (early.length < MAX_EVENTS_BEFORE_JOIN_REPLY) early.push(message);
      else connection.close(TOO_MANY_EARLY_EVENTS_CLOSE_CODE, 'too many room events before the join reply');
    };
    this.connection = connection;
    let resumed = false;
    let joined: Joined | undefined;
    if (this.resumeToken !== undefined) {
      const token = this.resumeToken;
      this.resumeToken = undefined; // single-use, whatever the answer
      try {
        this.emit('sending', 'resumeSession');
        // The name again: a host that died kept the seat in Redis, not the name.
        const name = this.options.displayName !== undefined ? { displayName: this.options.displayName } : {};
        joined = await connection.request({ id: 'resumeSession', resumeToken: token, ...name }, timeout);
        resumed = true;
      } catch (error) {
        if (!(error instanceof SignalingError && error.code === 'resumeFailed')) {
          // Refused before the seat was touched (another node has the room, or a rate limit): the token is
          // still good for the next attempt.
          if (error instanceof SignalingError && (REDIRECTS.has(error.code) || error.code === 'rateLimited')) this.resumeToken = token;
          throw error;
        }
      }
    }
    if (!joined) this.emit('sending', 'joinRoom');
    joined ??= await connection.request(
      {
        id: 'joinRoom',
        userId: this.options.userId,
        roomId: this.options.roomId,
        communityId: this.options.communityId ?? '0',
        video: this.video,
        audio: this.audio,
        resumable: this.options.resumable ?? true,
        ...(this.options.token !== undefined ? { token: this.options.token } : {}),
        ...(this.options.displayName !== undefined ? { displayName: this.options.displayName } : {}),
      },
      timeout,
    );
    if (this.connection !== connection || this.state === 'left') throw new ConnectionLostError('left meanwhile');
    this.session = joined;
    this.resumeToken = joined.session?.resumeToken;
    this.nodeUrl = connection.url;
    this.others.clear();
    for (const member of joined.members) this.others.set(member.userId, member);
    connection.onMessage = (message) => this.receive(connection, message);
    connection.onClose = (info) => this.lost(connection, info);
    connection.startHeartbeat({
      intervalMs: this.options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
      timeoutMs: this.options.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS,
    });
    this.setState(resumed ? 'resumed' : 'joined');
    this.emit('joined', joined, { resumed, rejoined: reconnecting && !resumed });
    this.emit('members', this.members);
    for (const message of early.splice(0)) this.receive(connection, message);
    return joined;
  }

  private lost(connection: SignalingConnection, info: ClosedInfo): void {
    if (this.connection !== connection || this.state === 'left') return;
    this.connection = undefined;
    const code = info.error?.code;
    if (code !== undefined && FINAL_CODES.has(code)) {
      this.end({ reason: code, error: info.error });
      return;
    }
    if (this.options.reconnect === false) {
      this.end({ reason: code ?? 'closed', ...(info.error ? { error: info.error } : {}) });
      return;
    }
    void this.reconnect(info);
  }

  private async reconnect(info: ClosedInfo): Promise<void> {
    const settings = this.options.reconnect === false ? {} : (this.options.reconnect ?? {});
    const maxAttempts = settings.maxAttempts ?? 30;
    const cause = info.error?.code ?? this.lastCause ?? (info.heartbeatTimedOut ? 'heartbeatTimeout' : 'closed');
    this.lastCause = undefined;
    // The hints: a draining node says when (retryAfterMs, spread so a room does not come back at once), a
    // node that lost the room says where (nodeUrl; without one, look the room up again).
    let delay = 0;
    if (info.error?.code === 'serverShuttingDown') delay = hintedDelay(info.error.details.retryAfterMs);
    // A node that froze times out every client's heartbeat at once: spread their first attempts.
    if (info.heartbeatTimedOut) delay = Math.floor((this.options.random ?? Math.random)() * HEARTBEAT_RECONNECT_SPREAD_MS);
    if (info.error?.code === 'roomMoved') {
      const target = info.error.details.nodeUrl;
      this.nodeUrl = typeof target === 'string' ? target : this.options.url;
    }
    this.setState('reconnecting');
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      this.emit('reconnecting', { attempt, cause, delayMs: delay });
      await this.pause(delay);
      if (this.state !== 'reconnecting') return;
      try {
        await this.attempt(true);
        return;
      } catch (error) {
        if (this.state !== 'reconnecting') return;
        // A refusal of the join itself (the room filled up meanwhile, the token expired) is final.
        if (error instanceof SignalingError && !TRANSIENT_CODES.has(error.code)) {
          this.end({ reason: error.code, error });
          return;
        }
        // A node that does not answer at all: next time ask the cluster again where the room is.
        if (error instanceof ConnectionLostError && this.options.lookupUrl) this.nodeUrl = undefined;
        delay = backoffDelay(attempt, settings, this.options.random);
        // A server that says when to come back (an overloaded node's nodeFull, spread over its clients so
        // that they do not all return at once) is not asked again sooner.
        if (error instanceof SignalingError) delay = Math.max(delay, hintedDelay(error.details.retryAfterMs));
      }
    }
    this.end({ reason: 'gaveUp', error: new ConnectionLostError(`could not reconnect after ${maxAttempts} attempts`) });
  }

  /** Waits `ms`, or less when the browser says its network is back; longer while it is offline. */
  private async pause(ms: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))), new Promise<void>((resolve) => (this.wake = resolve))]);
    // Woken early (left, or back online): the timer must not keep a Node process alive for the rest.
    clearTimeout(timer);
    while (this.offline && this.state === 'reconnecting') await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = undefined;
  }

  private async resolveUrl(): Promise<string> {
    if (this.nodeUrl) return this.nodeUrl;
    const bases = typeof this.options.lookupUrl === 'string' ? [this.options.lookupUrl] : [...(this.options.lookupUrl ?? [])];
    let failure: Error = new ConnectionLostError('no lookup url');
    for (let i = 0; i < bases.length; i += 1) {
      const base = bases[(this.lookupIndex + i) % bases.length]!;
      try {
        return await this.lookUp(base);
      } catch (error) {
        if (error instanceof SignalingError) throw error;
        failure = error as Error;
        // The next attempt starts with the next base: this one may be the node that died.
        this.lookupIndex = (this.lookupIndex + i + 1) % bases.length;
      }
    }
    throw failure;
  }

  private async lookUp(base: string): Promise<string> {
    const doFetch = this.options.fetch ?? globalThis.fetch;
    const timeout = this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const response = await doFetch(new URL(`/v1/rooms/${encodeURIComponent(this.options.roomId)}/node`, base), {
      signal: AbortSignal.timeout(timeout),
    }).catch((error: unknown) => {
      throw new ConnectionLostError(`room lookup at ${base} failed: ${String(error)}`);
    });
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as { code?: string; message?: string; retryAfterMs?: unknown };
      if (response.status >= 500 || !body.code) throw new ConnectionLostError(`room lookup: HTTP ${response.status}`);
      const details: Record<string, number> = typeof body.retryAfterMs === 'number' ? { retryAfterMs: body.retryAfterMs } : {};
      throw new SignalingError(body.code as SignalingError['code'], body.message ?? `room lookup: HTTP ${response.status}`, details);
    }
    const { url } = (await response.json()) as { url?: string };
    if (!url) throw new ConnectionLostError('room lookup: no url in the answer');
    return url;
  }

  private webSocket(): WebSocketConstructor {
    const impl = this.options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!impl) throw new TypeError('no WebSocket: pass options.WebSocket (the ws package in Node 20)');
    return impl;
  }

  // ---- what the server says ----

  private receive(connection: SignalingConnection, message: ServerMessage): void {
    if (connection !== this.connection) return;
    if (message.id === 'error' && message.requestId === undefined && message.code === 'mediaServerUnavailable' && this.inRoom) {
      // The media server lost the room: the server took this participant out (the connection stays open).
      // Join again, with back-off, until the media server is back.
      this.emit('message', message);
      this.resumeToken = undefined;
      this.lastCause = 'mediaServerUnavailable';
      connection.close(4000, 'media server lost');
      return;
    }
    switch (message.id) {
      case 'newParticipantArrived':
        this.others.set(message.member.userId, message.member);
        this.emit('message', message);
        this.emit('members', this.members);
        return;
      case 'participantLeft':
        this.others.delete(message.userId);
        this.emit('message', message);
        this.emit('members', this.members);
        return;
      case 'participantReconnecting':
        this.update(message.userId, { reconnecting: true });
        this.emit('message', message);
        return;
      case 'participantReconnected':
        // A seat held across a lost host was listed without its name; the resume brings it back.
        this.update(message.userId, { reconnecting: undefined, ...(message.displayName !== undefined ? { displayName: message.displayName } : {}) });
        this.emit('message', message);
        return;
      case 'videoStateAnswer':
      case 'audioStateAnswer':
        this.update(message.userId, message.id === 'videoStateAnswer' ? { video: message.video } : { audio: message.audio });
        this.emit('message', message);
        return;
      default:
        this.emit('message', message);
    }
  }

  private update(userId: string, change: Partial<Member>): void {
    const member = this.others.get(userId);
    if (!member) return;
    const next = { ...member, ...change };
    if (next.reconnecting === undefined) delete next.reconnecting;
    this.others.set(userId, next);
    this.emit('members', this.members);
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
  }

  private end(info: LeftInfo): void {
    if (this.state === 'left') return;
    const connection = this.connection;
    this.connection = undefined;
    this.resumeToken = undefined;
    if (info.reason !== 'left') connection?.close();
    this.others.clear();
    this.wake?.();
    this.setState('left');
    this.emit('left', info);
  }

  /** The browser knows its network went away before any socket times out: treat it as a lost connection. */
  private watchNetwork(): () => void {
    const target = globalThis as { addEventListener?: (type: string, listener: () => void) => void; removeEventListener?: (type: string, listener: () => void) => void };
    if (typeof target.addEventListener !== 'function' || typeof (globalThis as { document?: unknown }).document === 'undefined') return () => undefined;
    const offline = () => {
      this.offline = true;
      this.connection?.close(4000, 'offline');
    };
    const online = () => {
      this.offline = false;
      this.wake?.();
    };
    target.addEventListener('offline', offline);
    target.addEventListener('online', online);
    return () => {
      target.removeEventListener?.('offline', offline);
      target.removeEventListener?.('online', online);
    };
  }

  /** Stops listening to the browser's network events (after `leave`, when the client is dropped). */
  dispose(): void {
    this.removeNetworkListeners();
  }
}
