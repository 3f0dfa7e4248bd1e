import type { ConnectionId, ErrorCode } from '../../domain';
import type { ClientMessage, ClientNotifier, Logger } from '../../application';
import { CloseCode, type ClientConnection } from './client-connection';
import type { HeldSeatAllowance } from './held-seat-allowance';
import { ignoreTraffic, type TrafficObserver } from './traffic-observer';
import { encodeClientMessage, encodeClientText } from './wire-encoder';

const closeCodeFor = (code: ErrorCode): number =>
  code === 'sessionReplaced' ? CloseCode.sessionReplaced
    : code === 'kicked' ? CloseCode.kicked
      : code === 'unauthorized' ? CloseCode.unauthorized
        : code === 'serverShuttingDown' ? CloseCode.goingAway
          : code === 'roomMoved' ? CloseCode.roomMoved
            : code === 'slowConsumer' ? CloseCode.slowConsumer
              : CloseCode.policyViolation;

export interface HubOptions {
  /**
   * Bytes that may wait for one client (MAX_SEND_BACKLOG_BYTES). A send that leaves more queued cuts the
   * client off: a member that stops reading must not make the node hold what the room sends it.
   */
  readonly maxBacklogBytes?: number;
  readonly logger?: Logger;
  /** Told the client address of a connection thrown out for flooding (the per-address cool-down). */
  readonly onFlooder?: (remoteAddress: string) => void;
  /** Seats that connections from one address may leave held within a grace period (unbounded if unset). */
  readonly heldSeats?: HeldSeatAllowance;
}

/** The live connections of this node; the core reaches clients through it. */
export class ConnectionHub implements ClientNotifier {
  private readonly connections = new Map<ConnectionId, ClientConnection>();
  /**
   * Connections this node gave up on for what the client did (flooding, not reading): their seat is not
   * held for a resume. A held seat would let a flooder cut off with 1008 resume and flood again, and the
   * room would hear `participantReconnecting` for a client the server threw out (attacker pass).
   */
  private readonly forfeited = new Set<ConnectionId>();
  private sent = 0;
  private readonly maxBacklogBytes: number;

  constructor(
    private readonly traffic: TrafficObserver = ignoreTraffic,
    private readonly options: HubOptions = {},
  ) {
    this.maxBacklogBytes = options.maxBacklogBytes ?? Number.POSITIVE_INFINITY;
  }

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
    connection.send(encodeClientText(message));
    if (message.type === 'participantLeft') connection.peerLeft?.(message.userId);
    this.sent += 1;
    this.traffic.sent(message);
    // One property read per send: the transports keep their backlog as a running count.
    if (connection.backlogBytes > this.maxBacklogBytes) this.cutOff(connectionId, `more than ${this.maxBacklogBytes} bytes waited for it`);
  }

  disconnect(connectionId: ConnectionId, code: ErrorCode, message: string, details?: Readonly<Record<string, string | number | boolean>>): void {
    const connection = this.connections.get(connectionId);
    if (!connection) return;
    this.send(connectionId, { type: 'error', code, message, ...(details ? { details } : {}) });
    // The send may itself have cut a slow client off; then it is gone already.
    if (!this.connections.delete(connectionId)) return;
    if (code === 'rateLimited') {
      this.forfeited.add(connectionId);
      this.options.onFlooder?.(connection.remoteAddress);
    }
    connection.close(closeCodeFor(code), code);
  }

  /**
   * Whether the seat of this closing connection may be held for a resume: not when the node threw it out
   * for misbehaving, nor past its address's allowance of held seats. Asked once, at close.
   */
  mayHoldSeat(connectionId: ConnectionId, remoteAddress: string): boolean {
    if (this.forfeited.delete(connectionId)) return false;
    return this.options.heldSeats?.allows(remoteAddress) ?? true;
  }

  /** A seat was held for a connection from `remoteAddress`. */
  seatHeld(remoteAddress: string): void {
    this.options.heldSeats?.record(remoteAddress);
  }

  /**
   * Gives up on a client that does not read what it is sent: it gets `error slowConsumer` where that can
   * still be delivered, is closed with 4008, and nothing more is queued for it.
   */
  cutOff(connectionId: ConnectionId, reason: string): void {
    const connection = this.connections.get(connectionId);
    if (!connection) return;
    this.connections.delete(connectionId);
    this.forfeited.add(connectionId);
    const error: ClientMessage = {
      type: 'error',
      code: 'slowConsumer',
      message: `the client did not read what it was sent (${reason}); disconnecting`,
      ...(Number.isFinite(this.maxBacklogBytes) ? { details: { limit: this.maxBacklogBytes } } : {}),
    };
    this.traffic.sent(error);
    this.options.logger?.warn(
      { connectionId, remote: connection.remoteAddress, transport: connection.transport, backlogBytes: connection.backlogBytes, reason },
      'slow consumer cut off',
    );
    connection.abandon(JSON.stringify(encodeClientMessage(error)), CloseCode.slowConsumer, 'slowConsumer');
  }
}
