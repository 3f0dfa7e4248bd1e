import type { WebSocket } from 'ws';
import { JSON_RPC_ERRORS, KmsError, type RpcErrorBody } from './kms-error';
import type { FaultPlan } from './fault-plan';
import type { MediaSet, OutboundEvent } from './media-set';

export interface RequestRecord {
  /** The JSON-RPC id the client gave the request. */
  readonly id: unknown;
  readonly method: string;
  /** The session the request named (explicitly or through its connection). */
  readonly sessionId?: string;
  /** The `invoke` operation, or the created type for `create`. */
  readonly detail?: string;
  readonly objectId?: string;
  readonly outcome: 'ok' | 'error' | 'hung';
}

/** What a connection needs from the emulator around it. */
export interface ConnectionContext {
  media(): MediaSet;
  readonly faults: FaultPlan;
  /** Processing time of a request known by these names (most specific first), in ms. */
  latencyOf(names: readonly string[]): number;
  /** Resolves once the server is not frozen (at once when it is not). */
  running(): Promise<void>;
  record(r: RequestRecord): void;
  /** Every text the client sent, as sent. */
  recordFrame(text: string): void;
  serverId(): string;
  readonly cache: RequestCache;
}

/**
 * KMS's RPC request cache (ServerMethods preProcess/postProcess, on unless `disableRequestCache`): for
 * 20 s the answer to a request is kept under (sessionId, request id), and a later request with the same
 * pair gets that answer again, whatever it asks. It exists so that a client retrying after a reconnection
 * does not create an object twice; it also means a client that resumes a session must not start its
 * request ids over.
 */
export class RequestCache {
  private readonly entries = new Map<string, { readonly response: unknown; readonly expires: number }>();

  constructor(private readonly ttlMs = 20_000) {}

  get(sessionId: string, id: unknown): unknown {
    const key = `${sessionId}\u0000${String(id)}`;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires < Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.response;
  }

  put(sessionId: string, id: unknown, response: unknown): void {
    const key = `${sessionId}\u0000${String(id)}`;
    if (this.entries.has(key)) return;
    if (this.entries.size > 10_000) this.sweep();
    this.entries.set(key, { response, expires: Date.now() + this.ttlMs });
  }

  clear(): void {
    this.entries.clear();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expires < now) this.entries.delete(key);
  }
}

type Params = Record<string, unknown>;

interface Job {
  readonly id: unknown;
  readonly method: string;
  readonly params: Params;
  readonly notification: boolean;
}

const isRecord = (v: unknown): v is Params => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The names a request answers to, for faults and latency: `processOffer`, `create:WebRtcEndpoint`, `create`, `ping`. */
const namesOf = (method: string, params: Params): string[] =>
  method === 'invoke' ? [String(params.operation), 'invoke'] : method === 'create' ? [`create:${String(params.type)}`, 'create'] : [method];

/**
 * One client WebSocket, speaking KMS's JSON-RPC the way KMS 7.3.1's WebSocketTransport does: requests
 * of one connection are handled one at a time, in arrival order (a slow `processOffer` delays the `ping`
 * sent after it; other connections are not held up), each taking its configured latency. The session a
 * connection is bound to (by its first request that creates one, or by `connect`) receives the events
 * of that session's subscriptions.
 */
export class RpcConnection {
  sessionId: string | undefined;
  pingInterval: number | undefined;
  private readonly queue: Job[] = [];
  private pumping = false;
  /** Set by a `cut` fault: the next answer is computed and cached, and the connection breaks instead. */
  private cutting = false;
  private closed = false;
  private readonly sleepers = new Set<() => void>();

  constructor(
    readonly socket: WebSocket,
    private readonly context: ConnectionContext,
  ) {
    // KMS (websocketpp) reads the payload whatever the frame's opcode, and kurento-client's old
    // websocket-stream transport sends binary frames, so both kinds are requests.
    socket.on('message', (data) => this.receive(data.toString()));
    socket.on('close', () => {
      this.closed = true;
      this.queue.length = 0;
      for (const wake of [...this.sleepers]) wake();
    });
  }

  deliver(event: OutboundEvent): void {
    this.send({ jsonrpc: '2.0', method: 'onEvent', params: { value: { data: event.data, object: event.objectId, type: event.type } } });
  }

  private receive(raw: string): void {
    this.context.recordFrame(raw);
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch {
      // KMS 7.3.1 answers nothing to a frame that is not JSON: it drops the connection.
      this.socket.terminate();
      return;
    }
    if (!isRecord(message) || message.jsonrpc !== '2.0' || typeof message.method !== 'string') {
      this.send({ error: { code: JSON_RPC_ERRORS.INVALID_REQUEST, message: 'Invalid JSON-RPC request.' }, id: null, jsonrpc: '2.0' });
      return;
    }
    this.queue.push({ id: message.id ?? null, method: message.method, params: isRecord(message.params) ? { ...message.params } : {}, notification: message.id === undefined });
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.closed && this.queue.length > 0) {
        await this.context.running();
        const job = this.queue.shift();
        if (job && !this.closed) await this.run(job);
      }
    } finally {
      this.pumping = false;
    }
  }

  private async run(job: Job): Promise<void> {
    const { method, params } = job;
    const detail = method === 'invoke' ? String(params.operation) : method === 'create' ? String(params.type) : undefined;
    const objectId = typeof params.object === 'string' ? params.object : undefined;
    const names = namesOf(method, params);
    const fault = this.context.faults.take(names);
    const record = (outcome: RequestRecord['outcome']): void =>
      this.context.record({ id: job.id, method, detail, objectId, outcome, ...(typeof params.sessionId === 'string' ? { sessionId: params.sessionId } : {}) });
    if (fault?.kind === 'hang') {
      // A request that is lost, not a server that hangs (see KurentoEmulator.freeze): the next one is served.
      record('hung');
      return;
    }
    if (fault?.kind === 'cut') this.cutting = true;
    await this.sleep(this.context.latencyOf(names) + (fault?.kind === 'delay' ? fault.ms : 0));
    if (this.closed) return;
    await this.context.running();
    if (fault?.kind === 'fail') {
      record('error');
      this.reply(job, undefined, fault.error);
      return;
    }
    // KMS's transport puts the connection's session into every request that names none.
    if (params.sessionId === undefined && this.sessionId !== undefined) params.sessionId = this.sessionId;
    const cached = !job.notification && typeof params.sessionId === 'string' ? this.context.cache.get(params.sessionId, job.id) : undefined;
    if (cached !== undefined) {
      record('ok');
      this.send(cached);
      return;
    }
    let response: Record<string, unknown>;
    let sessionOfAnswer: unknown = params.sessionId;
    try {
      const result = this.dispatch(method, params);
      record('ok');
      if (this.sessionId === undefined && result !== null && typeof result.sessionId === 'string') this.sessionId = result.sessionId;
      if (result !== null && typeof result.sessionId === 'string') sessionOfAnswer = result.sessionId;
      response = this.reply(job, result, undefined);
    } catch (error) {
      record('error');
      const body: RpcErrorBody =
        error instanceof KmsError ? error.toBody() : { code: JSON_RPC_ERRORS.INTERNAL_ERROR, message: `Unexpected error while processing method: ${String(error)}` };
      response = this.reply(job, undefined, body);
    }
    if (!job.notification && typeof sessionOfAnswer === 'string') this.context.cache.put(sessionOfAnswer, job.id, response);
  }

  /** The session a request acts in: the one it names, else the connection's, else a new one. */
  private session(params: Params): string {
    const media = this.context.media();
    const id = typeof params.sessionId === 'string' ? params.sessionId : (this.sessionId ?? media.openSession());
    media.touchSession(id);
    return id;
  }

  private required(params: Params, name: string): unknown {
    if (params[name] === undefined || params[name] === null) throw KmsError.missingMember(name);
    return params[name];
  }

  private dispatch(method: string, params: Params): Params | null {
    const media = this.context.media();
    switch (method) {
      case 'ping': {
        if (this.pingInterval === undefined && typeof params.interval === 'number') this.pingInterval = params.interval;
        const sessionId = typeof params.sessionId === 'string' ? params.sessionId : this.sessionId;
        return sessionId === undefined ? { value: 'pong' } : { sessionId, value: 'pong' };
      }
      case 'connect': {
        if (typeof params.sessionId === 'string') {
          if (!media.hasSession(params.sessionId)) throw KmsError.of('INVALID_SESSION', 'Invalid session');
          this.sessionId = params.sessionId;
        } else {
          this.sessionId ??= media.openSession();
        }
        return { serverId: this.context.serverId(), sessionId: this.sessionId };
      }
      case 'create': {
        const type = String(this.required(params, 'type'));
        const sessionId = this.session(params);
        const constructorParams = isRecord(params.constructorParams) ? params.constructorParams : undefined;
        return { sessionId, value: media.create(sessionId, type, constructorParams) };
      }
      case 'describe': {
        const object = String(this.required(params, 'object'));
        const sessionId = this.session(params);
        return { ...media.describe(object), sessionId };
      }
      case 'invoke': {
        const object = String(this.required(params, 'object'));
        const operation = String(this.required(params, 'operation'));
        const sessionId = this.session(params);
        const operationParams = isRecord(params.operationParams) ? params.operationParams : {};
        return { sessionId, value: media.invoke(object, operation, operationParams) ?? null };
      }
      case 'subscribe': {
        const type = String(this.required(params, 'type'));
        const object = String(this.required(params, 'object'));
        const sessionId = this.session(params);
        return { sessionId, value: media.subscribe(sessionId, object, type) };
      }
      case 'unsubscribe': {
        media.unsubscribe(String(this.required(params, 'subscription')));
        return { sessionId: this.session(params) };
      }
      case 'release': {
        const object = String(this.required(params, 'object'));
        const sessionId = this.session(params);
        media.release(object);
        return { sessionId };
      }
      case 'keepAlive':
        return { sessionId: this.session(params) };
      case 'closeSession':
        media.closeSession(this.session(params));
        return null;
      default:
        throw new KmsError(JSON_RPC_ERRORS.METHOD_NOT_FOUND, 'Method not found.');
    }
  }

  private reply(job: Job, result: Params | null | undefined, error: RpcErrorBody | undefined): Record<string, unknown> {
    const response = job.notification
      ? // KMS runs a notification and then complains that it has nowhere to send the answer.
        { error: { code: JSON_RPC_ERRORS.SERVER_ERROR, data: error ?? result, message: 'Ignoring response because of a notification request' }, id: null, jsonrpc: '2.0' }
      : error
        ? { error, id: job.id, jsonrpc: '2.0' }
        : { id: job.id, jsonrpc: '2.0', result };
    if (this.cutting) {
      this.cutting = false;
      this.socket.terminate();
    } else {
      this.send(response);
    }
    return response;
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  private send(message: unknown): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }
}
