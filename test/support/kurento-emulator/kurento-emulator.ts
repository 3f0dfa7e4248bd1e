import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { FaultPlan, type FailOptions } from './fault-plan';
import { generationOf } from './kms-model';
import { MediaSet, type EndpointView, type OutboundEvent, type SdpCall } from './media-set';
import { RequestCache, RpcConnection, type ConnectionContext, type RequestRecord } from './rpc-connection';

export interface KurentoEmulatorOptions {
  /** Host candidates announced per media section after `gatherCandidates`. */
  readonly candidatesPerSection?: number;
  /** The KMS version it plays; 6.x and 7.x differ in event names (default 7.3.1, as ../shared/kms). */
  readonly version?: string;
  /**
   * Processing time per request, by name (an invoke operation such as `processOffer`, a method such as
   * `ping` or `create`, or `create:<Type>`). Requests of one connection are served one after the other,
   * so latency adds up as it does on a busy KMS.
   */
  readonly latencyMs?: Readonly<Record<string, number>>;
}

export interface PipelineView {
  readonly id: string;
  readonly sessionId: string;
  readonly endpoints: readonly string[];
}

export interface EmulatorSnapshot {
  readonly pipelines: readonly PipelineView[];
  readonly endpoints: readonly EndpointView[];
  readonly sdpCalls: readonly SdpCall[];
  readonly connections: number;
}

/**
 * A Kurento Media Server stand-in for tests: KMS's JSON-RPC over WebSocket at `/kurento`, with
 * MediaPipelines, WebRtcEndpoints, element connections, SDP negotiation rules, trickle ICE events and
 * KMS's error shapes. It carries no media. Like a real KMS, a kill or restart forgets every object.
 */
export class KurentoEmulator {
  private http: Server | undefined;
  private wss: WebSocketServer | undefined;
  private readonly connections = new Set<RpcConnection>();
  private media: MediaSet;
  private readonly faults = new FaultPlan();
  private readonly log: RequestRecord[] = [];
  private readonly frameLog: string[] = [];
  private port: number | undefined;
  private serverId = randomUUID();
  private readonly latency = new Map<string, number>();
  private readonly cache = new RequestCache();
  private thawed: Promise<void> | undefined;
  private thaw: (() => void) | undefined;
  private readonly context: ConnectionContext;

  constructor(private readonly options: KurentoEmulatorOptions = {}) {
    this.media = this.freshMediaSet();
    for (const [name, ms] of Object.entries(options.latencyMs ?? {})) this.latency.set(name, ms);
    this.context = {
      media: () => this.media,
      faults: this.faults,
      latencyOf: (names) => {
        for (const name of names) {
          const ms = this.latency.get(name);
          if (ms !== undefined) return ms;
        }
        return 0;
      },
      running: () => this.thawed ?? Promise.resolve(),
      record: (r) => this.log.push(r),
      recordFrame: (text) => this.frameLog.push(text),
      serverId: () => this.serverId,
      cache: this.cache,
    };
  }

  /** Listens on 127.0.0.1 and resolves with the KMS URL, e.g. `ws://127.0.0.1:PORT/kurento`. */
  async start(port = 0): Promise<string> {
    if (this.http) throw new Error('the emulator is already running');
    const http = createServer((_req, res) => {
      res.writeHead(426).end('WebSocket only');
    });
    const wss = new WebSocketServer({ server: http, path: '/kurento' });
    wss.on('connection', (socket) => {
      const connection = new RpcConnection(socket, this.context);
      this.connections.add(connection);
      socket.on('close', () => this.connections.delete(connection));
      socket.on('error', () => socket.terminate());
    });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, '127.0.0.1', () => {
        http.off('error', reject);
        resolve();
      });
    });
    this.http = http;
    this.wss = wss;
    this.port = (http.address() as AddressInfo).port;
    return this.url;
  }

  get url(): string {
    if (this.port === undefined) throw new Error('the emulator has not been started');
    return `ws://127.0.0.1:${this.port}/kurento`;
  }

  get running(): boolean {
    return this.http !== undefined;
  }

  /** Orderly shutdown: clients see a clean close; every object is gone, as when KMS exits. */
  async stop(): Promise<void> {
    this.unfreeze();
    for (const c of this.connections) c.socket.close(1001, 'server shutting down');
    await this.shutdown();
  }

  /** A crash: sockets are destroyed without a close frame, the port stops listening, all state is lost. */
  async kill(): Promise<void> {
    this.unfreeze();
    for (const c of this.connections) c.socket.terminate();
    await this.shutdown();
  }

  /** Starts again on the same port as a fresh KMS (new objects, new sessions, new server id). */
  async restart(): Promise<string> {
    if (this.port === undefined) throw new Error('the emulator has never been started');
    if (this.http) await this.kill();
    return this.start(this.port);
  }

  /** The network drops every client connection while the server and its objects live on. */
  dropConnections(): void {
    for (const c of this.connections) c.socket.terminate();
  }

  // ---- fault injection ----

  /** The next `times` requests named `name` get a KMS error (by default SDP_END_POINT_PROCESS_OFFER_ERROR). */
  failNext(name: string, options: FailOptions = {}): void {
    this.faults.fail(name, options);
  }

  /** The next `times` requests named `name` are never answered. */
  hangNext(name: string, times = 1): void {
    this.faults.hang(name, times);
  }

  /** The next `times` requests named `name` are carried out and answered only after `ms`. */
  delayNext(name: string, ms: number, times = 1): void {
    this.faults.delay(name, ms, times);
  }

  /** The next `times` requests named `name` are carried out, then the connection breaks before the answer is sent. */
  cutAfter(name: string, times = 1): void {
    this.faults.cut(name, times);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** From now on requests named `name` take `ms` to process (0 removes it). */
  setLatency(name: string, ms: number): void {
    if (ms > 0) this.latency.set(name, ms);
    else this.latency.delete(name);
  }

  /**
   * A hung KMS: sockets stay open, requests are read, nothing is answered and no event is sent until
   * `unfreeze()`; then the queued requests are served in order.
   */
  freeze(): void {
    this.thawed ??= new Promise((resolve) => (this.thaw = resolve));
  }

  unfreeze(): void {
    this.thaw?.();
    this.thaw = undefined;
    this.thawed = undefined;
  }

  /** KMS forgets a session and releases its objects (what `closeSession` does): a resume gets INVALID_SESSION. */
  forgetSession(sessionId: string): void {
    this.media.closeSession(sessionId);
  }

  sessions(): string[] {
    return this.media.sessionIds();
  }

  // ---- inspection ----

  snapshot(): EmulatorSnapshot {
    return {
      pipelines: this.media.pipelineViews(),
      endpoints: this.media.endpointViews(),
      sdpCalls: this.media.sdpCalls(),
      connections: this.connections.size,
    };
  }

  pipelines(): readonly PipelineView[] {
    return this.media.pipelineViews();
  }

  endpoints(): readonly EndpointView[] {
    return this.media.endpointViews();
  }

  sdpCalls(): readonly SdpCall[] {
    return this.media.sdpCalls();
  }

  /** Pipelines plus endpoints still alive. */
  liveObjectCount(): number {
    return this.media.objectCount();
  }

  subscriptionCount(): number {
    return this.media.subscriptionCount();
  }

  requests(): readonly RequestRecord[] {
    return [...this.log];
  }

  /** Every frame clients sent, as text, in arrival order. */
  frames(): readonly string[] {
    return [...this.frameLog];
  }

  connectionCount(): number {
    return this.connections.size;
  }

  /** The `interval` each connected client announced in its first ping. */
  pingIntervals(): (number | undefined)[] {
    return [...this.connections].map((c) => c.pingInterval);
  }

  private async shutdown(): Promise<void> {
    const http = this.http;
    const wss = this.wss;
    this.http = undefined;
    this.wss = undefined;
    this.connections.clear();
    this.media.dispose();
    this.media = this.freshMediaSet();
    this.cache.clear();
    this.serverId = randomUUID();
    if (wss) await new Promise<void>((resolve) => wss.close(() => resolve()));
    if (http) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  }

  private freshMediaSet(): MediaSet {
    const version = this.options.version ?? '7.3.1';
    return new MediaSet((event) => this.deliver(event), {
      candidatesPerSection: this.options.candidatesPerSection ?? 2,
      version,
      generation: generationOf(version),
      // What KMS 7.3.1 does with some malformed requests: it dies (SIGSEGV), taking every session with it.
      crash: () => setImmediate(() => void this.kill()),
    });
  }

  /** KMS sends an event to the connection its subscribing session is bound to; a hung KMS sends none. */
  private deliver(event: OutboundEvent): void {
    if (this.thawed) return;
    for (const c of this.connections) if (c.sessionId === event.sessionId) c.deliver(event);
  }
}
