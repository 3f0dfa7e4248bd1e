import { SignalingError, type ConnectionId, type UserId } from '../../domain';
import type { RoomHolds } from './room-holds';
import type { ClientMessage, ClientNotifier, Logger, RequestId, RoomStateStore } from '../ports';
import type { RoomRegistry } from '../room-registry';


export interface SetMediaStateCommand {
  readonly connectionId: ConnectionId;
  /** The user the message names; only the sender itself is allowed. */
  readonly userId: UserId;
  readonly kind: 'audio' | 'video';
  readonly enabled: boolean;
  readonly requestId?: RequestId;
}

/** The sender's own change as the room sees it, with its requestId: the reply to the request. */
export type MediaStateReply = Extract<ClientMessage, { type: 'mediaStateChanged' }>;

/**
 * Camera or microphone on/off, told to the whole room (the sender included, as the seed did). The other
 * members are told through the notifier; the sender's copy is the request's reply, returned for the
 * inbound adapter to send (only the sender changes its own state, and its requests are handled in
 * order, so nothing about it can overtake that reply).
 */
export class SetMediaState {
  constructor(
    private readonly registry: RoomRegistry,
    private readonly store: RoomStateStore,
    private readonly clients: ClientNotifier,
    private readonly logger: Logger,
    private readonly holds: RoomHolds,
  ) {}

  async execute(command: SetMediaStateCommand): Promise<MediaStateReply> {
    const { registry, store, clients, logger } = this;
    const heldRoom = registry.membership(command.connectionId)?.roomId;
    const pending = heldRoom === undefined ? undefined : this.holds.whenHeld(heldRoom);
    if (pending) await pending;
    const membership = registry.membership(command.connectionId);
    const room = membership && registry.room(membership.roomId);
    if (!membership || !room) throw new SignalingError('notInRoom', 'join a room first (joinRoom)');

    const updated = room.changeMediaState(membership.userId, command.userId, { [command.kind]: command.enabled });
    await store
      .recordMediaState(room.id, updated.userId, { audio: updated.audio, video: updated.video })
      .catch((error: unknown) => logger.warn({ err: error, roomId: room.id }, 'state store did not record a media state change'));
    const change = { type: 'mediaStateChanged', userId: updated.userId, kind: command.kind, enabled: command.enabled } as const;
    for (const p of room.participants()) {
      if (p.connectionId !== command.connectionId) clients.send(p.connectionId, { ...change, requestId: undefined });
    }
    return { ...change, requestId: command.requestId };
  }
}
