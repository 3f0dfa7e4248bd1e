import { isSignalingError, type SignalingError } from '../../domain';
import type { LeaveRoom, Logger } from '../../application';
import type { ClientConnection } from './client-connection';
import type { ConnectionHub } from './connection-hub';
import type { MessageDispatcher } from './message-dispatcher';
import { parseInbound } from './message-parser';

export interface SessionLimits {
  /** Frames above this get a `frameTooLarge` error; the connection stays open. */
  readonly maxMessageBytes: number;
  /** Messages waiting for their turn; past this the client is flooding and is disconnected. */
  readonly maxQueuedMessages: number;
}

/**
 * One client connection's conversation. Messages are handled one at a time in arrival order, so that a
 * `joinRoom` is done before the offer sent right after it is looked at.
 */
export class ConnectionSession {
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;
  private closed = false;

  constructor(
    private readonly connection: ClientConnection,
    private readonly hub: ConnectionHub,
    private readonly dispatcher: MessageDispatcher,
    private readonly leaveRoom: LeaveRoom,
    private readonly logger: Logger,
    private readonly limits: SessionLimits,
  ) {
    hub.add(connection);
  }

  receive(text: string): void {
    if (this.closed) return;
    if (this.queued >= this.limits.maxQueuedMessages) {
      this.logger.warn({ connectionId: this.connection.id, remote: this.connection.remoteAddress }, 'client floods; disconnecting');
      this.hub.disconnect(this.connection.id, 'rateLimited', `more than ${this.limits.maxQueuedMessages} messages waiting`);
      return;
    }
    this.queued += 1;
    this.tail = this.tail.then(() => this.handle(text)).finally(() => {
      this.queued -= 1;
    });
  }

  /** The transport closed; whatever the client held is freed after its queued messages. */
  closedByTransport(): Promise<void> {
    this.closed = true;
    this.hub.remove(this.connection.id);
    this.tail = this.tail.then(() =>
      this.leaveRoom.connectionLost(this.connection.id).catch((error: unknown) =>
        this.logger.error({ err: error, connectionId: this.connection.id }, 'freeing a dropped connection failed'),
      ),
    );
    return this.tail;
  }

  private async handle(text: string): Promise<void> {
    if (this.closed) return;
    const parsed = parseInbound(text, this.limits.maxMessageBytes);
    if (!parsed.ok) {
      this.reject(parsed.error, parsed.requestId);
      return;
    }
    this.hub.received(parsed.message.id);
    try {
      await this.dispatcher.dispatch(this.connection.id, parsed.message);
    } catch (error) {
      if (isSignalingError(error)) {
        this.reject(error, parsed.message.requestId);
      } else {
        this.logger.error({ err: error, connectionId: this.connection.id, messageId: parsed.message.id }, 'request failed');
        this.hub.send(this.connection.id, {
          type: 'error',
          code: 'internalError',
          message: 'the server failed to handle this request',
          ...(parsed.message.requestId !== undefined ? { requestId: parsed.message.requestId } : {}),
        });
      }
    }
  }

  private reject(error: SignalingError, requestId: string | undefined): void {
    this.logger.debug({ connectionId: this.connection.id, code: error.code, reason: error.message }, 'request rejected');
    this.hub.send(this.connection.id, {
      type: 'error',
      code: error.code,
      message: error.message,
      ...(error.details ? { details: error.details } : {}),
      ...(requestId !== undefined ? { requestId } : {}),
    });
  }
}

