import type { ConnectionId, ErrorCode } from '../../domain';
import type { ClientMessage, ClientNotifier } from '../../application';
import { CloseCode, type ClientConnection } from './client-connection';
import { ignoreTraffic, type TrafficObserver } from './traffic-observer';
import { encodeClientMessage } from './wire-encoder';

const closeCodeFor = (code: ErrorCode): number =>
  code === 'sessionReplaced' ? CloseCode.sessionReplaced
    : code === 'kicked' ? CloseCode.kicked
      : code === 'unauthorized' ? CloseCode.unauthorized
        : code === 'serverShuttingDown' ? CloseCode.goingAway
          : code === 'roomMoved' ? CloseCode.roomMoved
            : CloseCode.policyViolation;

/** The live connections of this node; the core reaches clients through it. */
export class ConnectionHub implements ClientNotifier {
  private readonly connections = new Map<ConnectionId, ClientConnection>();
  private sent = 0;

  constructor(private readonly traffic: TrafficObserver = ignoreTraffic) {}

  add(connection: ClientConnection): void {
    this.connections.set(connection.id, connection);
  }

  remove(connectionId: ConnectionId): void {
    this.connections.delete(connectionId);
  }

  get size(): number {
    return this.connections.size;
  }

  get messagesSent(): number {
    return this.sent;
  }

  /** Counts a well-formed request; sessions report here so the hub is the one place traffic is seen. */
  received(id: string): void {
    this.traffic.received(id);
  }

  all(): readonly ClientConnection[] {
    return [...this.connections.values()];
  }

  send(connectionId: ConnectionId, message: ClientMessage): void {
    const connection = this.connections.get(connectionId);
    if (!connection) return;
    connection.send(JSON.stringify(encodeClientMessage(message)));
    this.sent += 1;
    this.traffic.sent(message);
  }

  disconnect(connectionId: ConnectionId, code: ErrorCode, message: string, details?: Readonly<Record<string, string | number | boolean>>): void {
    const connection = this.connections.get(connectionId);
    if (!connection) return;
    this.send(connectionId, { type: 'error', code, message, ...(details ? { details } : {}) });
    this.connections.delete(connectionId);
    connection.close(closeCodeFor(code), code);
  }
}
