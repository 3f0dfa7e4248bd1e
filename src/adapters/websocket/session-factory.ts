import type { LeaveRoom, Logger } from '../../application';
import type { ClientConnection } from './client-connection';
import type { ConnectionHub } from './connection-hub';
import { ConnectionSession, type SessionLimits } from './connection-session';
import type { MessageDispatcher } from './message-dispatcher';

/** Makes the per-connection session for either transport, so both behave the same. */
export class SessionFactory {
  constructor(
    private readonly hub: ConnectionHub,
    private readonly dispatcher: MessageDispatcher,
    private readonly leaveRoom: LeaveRoom,
    private readonly logger: Logger,
    private readonly limits: SessionLimits,
  ) {}

  open(connection: ClientConnection): ConnectionSession {
    this.logger.debug({ connectionId: connection.id, transport: connection.transport, remote: connection.remoteAddress }, 'client connected');
    return new ConnectionSession(connection, this.hub, this.dispatcher, this.leaveRoom, this.logger, this.limits);
  }
}
