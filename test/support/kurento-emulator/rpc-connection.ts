import type { WebSocket } from 'ws';
import { JSON_RPC_ERRORS, KmsError, type RpcErrorBody } from './kms-error';
import type { FaultPlan } from './fault-plan';
import type { MediaSet, OutboundEvent } from './media-set';

export interface RequestRecord {
  readonly method: string;
  /** The `invoke` operation, or the created type for `create`. */
  readonly detail?: string;
  readonly objectId?: string;
  readonly outcome: 'ok' | 'error' | 'hung';
}

type Params = Record<string, unknown>;

const isRecord = (v: unknown): v is Params => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * One client WebSocket, speaking KMS's JSON-RPC. Like KMS's WebSocketTransport it remembers the
 * session of the connection and injects it into requests that carry none.
 */
export class RpcConnection {
  sessionId: string | undefined;
  pingInterval: number | undefined;
  private readonly delayed = new Set<NodeJS.Timeout>();

  constructor(
    readonly socket: WebSocket,
    private readonly media: () => MediaSet,
    private readonly faults: FaultPlan,
    private readonly record: (r: RequestRecord) => void,
    private readonly serverId: string,
  ) {
    // KMS (websocketpp) reads the payload whatever the frame's opcode, and kurento-client's old
    // websocket-stream transport sends binary frames, so both kinds are requests.
    socket.on('message', (data) => this.handle(data.toString()));
    socket.on('close', () => {
      for (const t of this.delayed) clearTimeout(t);
      this.delayed.clear();
    });
  }

  deliver(event: OutboundEvent): void {
    this.send({
      jsonrpc: '2.0',
      method: 'onEvent',
      params: { value: { data: event.data, object: event.objectId, type: event.type } },
    });
  }

  private handle(raw: string): void {
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch {
      this.send({ jsonrpc: '2.0', id: null, error: { code: JSON_RPC_ERRORS.PARSE_ERROR, message: 'Parse error.' } });
      return;
    }
    if (!isRecord(message) || typeof message.method !== 'string') {
      this.send({ jsonrpc: '2.0', id: isRecord(message) ? (message.id ?? null) : null, error: { code: JSON_RPC_ERRORS.INVALID_REQUEST, message: 'Invalid request' } });
      return;
    }
    const id = message.id;
    if (id === undefined) return; // a notification: KMS expects none from clients
    const method = message.method;
    const params: Params = isRecord(message.params) ? { ...message.params } : {};
    if (this.sessionId !== undefined && params.sessionId === undefined && method !== 'ping' && method !== 'connect') {
      params.sessionId = this.sessionId;
    }
    const detail = method === 'invoke' ? String(params.operation) : method === 'create' ? String(params.type) : undefined;
    const objectId = typeof params.object === 'string' ? params.object : undefined;
    const names = method === 'invoke' ? [String(params.operation)] : method === 'create' ? [`create:${String(params.type)}`, 'create'] : [method];
    const fault = this.faults.take(names);
    if (fault?.kind === 'hang') {
      this.record({ method, detail, objectId, outcome: 'hung' });
      return;
    }
    if (fault?.kind === 'fail') {
      this.record({ method, detail, objectId, outcome: 'error' });
      this.reply(id, undefined, fault.error);
      return;
    }
    if (fault?.kind === 'delay') {
      const timer = setTimeout(() => {
        this.delayed.delete(timer);
        this.execute(id, method, params, detail, objectId);
      }, fault.ms);
      this.delayed.add(timer);
      return;
    }
    this.execute(id, method, params, detail, objectId);
  }

  private execute(id: unknown, method: string, params: Params, detail: string | undefined, objectId: string | undefined): void {
    try {
      const result = this.dispatch(method, params);
      this.record({ method, detail, objectId, outcome: 'ok' });
      if (typeof result.sessionId === 'string') this.sessionId = result.sessionId;
      this.reply(id, result, undefined);
    } catch (error) {
      this.record({ method, detail, objectId, outcome: 'error' });
      const body: RpcErrorBody = error instanceof KmsError
        ? error.toBody()
        : { code: 40000, message: error instanceof Error ? error.message : String(error), data: { type: 'MEDIA_ERROR' } };
      this.reply(id, undefined, body);
    }
  }

  private session(params: Params): string {
    const media = this.media();
    if (typeof params.sessionId === 'string') {
      media.touchSession(params.sessionId);
      return params.sessionId;
    }
    return media.openSession();
  }

  private dispatch(method: string, params: Params): Params {
    const media = this.media();
    switch (method) {
      case 'ping': {
        if (typeof params.interval === 'number') this.pingInterval = params.interval;
        return typeof params.sessionId === 'string' ? { value: 'pong', sessionId: params.sessionId } : { value: 'pong' };
      }
      case 'connect': {
        if (typeof params.sessionId === 'string') {
          if (!media.hasSession(params.sessionId)) throw KmsError.of('INVALID_SESSION', 'Invalid session');
          return { sessionId: params.sessionId, serverId: this.serverId };
        }
        return { sessionId: media.openSession(), serverId: this.serverId };
      }
      case 'create': {
        if (typeof params.type !== 'string') throw KmsError.invalidParams("'type' parameter should be a string");
        const sessionId = this.session(params);
        const constructorParams = isRecord(params.constructorParams) ? params.constructorParams : {};
        return { value: media.create(sessionId, params.type, constructorParams), sessionId };
      }
      case 'describe': {
        const sessionId = this.session(params);
        return { ...media.describe(this.objectOf(params)), sessionId };
      }
      case 'invoke': {
        if (typeof params.operation !== 'string') throw KmsError.invalidParams("'operation' parameter should be a string");
        const sessionId = this.session(params);
        const operationParams = isRecord(params.operationParams) ? params.operationParams : {};
        return { value: media.invoke(this.objectOf(params), params.operation, operationParams) ?? null, sessionId };
      }
      case 'subscribe': {
        if (typeof params.type !== 'string') throw KmsError.invalidParams("'type' parameter should be a string");
        const sessionId = this.session(params);
        return { value: media.subscribe(sessionId, this.objectOf(params), params.type), sessionId };
      }
      case 'unsubscribe': {
        if (typeof params.subscription !== 'string') throw KmsError.invalidParams("'subscription' parameter should be a string");
        media.unsubscribe(params.subscription);
        return { sessionId: this.session(params) };
      }
      case 'release': {
        const sessionId = this.session(params);
        media.release(this.objectOf(params));
        return { sessionId };
      }
      case 'keepAlive':
      case 'closeSession':
        return { sessionId: this.session(params) };
      default:
        throw new KmsError(JSON_RPC_ERRORS.METHOD_NOT_FOUND, 'Method not found.', 'METHOD_NOT_FOUND');
    }
  }

  private objectOf(params: Params): string {
    if (typeof params.object !== 'string') throw KmsError.invalidParams("'object' parameter should be a string");
    return params.object;
  }

  private reply(id: unknown, result: Params | undefined, error: RpcErrorBody | undefined): void {
    this.send(error ? { jsonrpc: '2.0', id, error } : { jsonrpc: '2.0', id, result });
  }

  private send(message: unknown): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }
}
