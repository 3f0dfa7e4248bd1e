import type { ClientMessage, ClientNotifier } from '../../../src/application';
import type { ConnectionId, ErrorCode } from '../../../src/domain';

export interface SentMessage {
  readonly connectionId: ConnectionId;
  readonly message: ClientMessage;
}

export interface Disconnect {
  readonly connectionId: ConnectionId;
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

type MessageOf<T extends ClientMessage['type']> = Extract<ClientMessage, { type: T }>;

/** A ClientNotifier that records, in order, everything the core tells each connection. */
export class RecordingClientNotifier implements ClientNotifier {
  readonly sent: SentMessage[] = [];
  readonly disconnects: Disconnect[] = [];

  send(connectionId: ConnectionId, message: ClientMessage): void {
    this.sent.push({ connectionId, message });
  }

  disconnect(
    connectionId: ConnectionId,
    code: ErrorCode,
    message: string,
    details?: Readonly<Record<string, string | number | boolean>>,
  ): void {
    this.disconnects.push(details === undefined ? { connectionId, code, message } : { connectionId, code, message, details });
  }

  to(connectionId: ConnectionId): readonly ClientMessage[] {
    return this.sent.filter((s) => s.connectionId === connectionId).map((s) => s.message);
  }

  ofType<T extends ClientMessage['type']>(connectionId: ConnectionId, type: T): readonly MessageOf<T>[] {
    return this.to(connectionId).filter((m): m is MessageOf<T> => m.type === type);
  }

  disconnectsOf(connectionId: ConnectionId): readonly Disconnect[] {
    return this.disconnects.filter((d) => d.connectionId === connectionId);
  }

  clear(): void {
    this.sent.length = 0;
    this.disconnects.length = 0;
  }
}
