import type { ClientNotifier, Logger, MediaBackendEvent, MediaGateway, MediaLinkFailed, MediaPublished, MediaSessionLost, MediaSignal } from '../ports';
import type { RoomDeparture } from './room-departure';
import type { KeyedMutex } from '../keyed-mutex';
import type { RoomRegistry } from '../room-registry';
import { linkPeer, type RoomId } from '../../domain';

/** Delivers what the media backend says to the right client, and clears rooms whose media was lost. */
export class RelayMediaEvents {
  constructor(
    private readonly registry: RoomRegistry,
    private readonly locks: KeyedMutex<RoomId>,
    private readonly media: MediaGateway,
    private readonly clients: ClientNotifier,
    private readonly logger: Logger,
    private readonly departure: RoomDeparture,
  ) {}

  start(): void {
    this.media.onEvent((event) => this.handle(event));
  }

  handle(event: MediaBackendEvent): void {
    if (event.type === 'sessionLost') {
      this.sessionLost(event).catch((error: unknown) =>
        this.logger.error({ err: error, roomId: event.roomId }, 'clearing a room after media loss failed'),
      );
      return;
    }
    if (event.type === 'published') {
      this.published(event);
      return;
    }
    if (event.type === 'linkFailed') {
      this.linkFailed(event);
      return;
    }
    this.deliver(event);
  }

  /** Everyone else in the room may subscribe to that member's media now. */
  private published(event: MediaPublished): void {
    const room = this.registry.room(event.roomId);
    if (!room?.find(event.userId)) return;
    for (const p of room.participants()) {
      if (p.userId !== event.userId) this.clients.send(p.connectionId, { type: 'participantPublished', userId: event.userId });
    }
  }

  /**
   * The request that negotiated the link was answered already, and a request gets exactly one reply: this
   * is an `error` without requestId, as for a lost media server. `details.userId` names the link as the
   * client's own `receiveVideoFrom`/`subscribe` does (one's own id for publishing), so it knows which peer
   * connection to negotiate again.
   */
  private linkFailed(event: MediaLinkFailed): void {
    const recipient = this.registry.room(event.roomId)?.find(event.to);
    if (!recipient) return;
    this.logger.warn({ roomId: event.roomId, userId: event.to, link: event.link.kind, reason: event.reason }, 'a negotiated media link failed');
    this.clients.send(recipient.connectionId, {
      type: 'error',
      code: 'mediaBackendError',
      message: `the media server cannot connect this link (${event.reason}); negotiate it again with a new offer or subscribe`,
      details: { roomId: event.roomId, userId: linkPeer(event.link) ?? event.to, link: event.link.kind },
    });
  }

  private deliver(signal: MediaSignal): void {
    const recipient = this.registry.room(signal.roomId)?.find(signal.to);
    if (!recipient) {
      // Candidates routinely trail a departure; nothing is lost by dropping them.
      this.logger.debug({ roomId: signal.roomId, to: signal.to, type: signal.type }, 'media signal for a participant who is gone');
      return;
    }
    this.clients.send(recipient.connectionId, { type: 'signal', signal });
  }

  /**
   * Everyone in the room is told and taken out: their peer connections are dead, and a fresh join (which
   * opens a new media session once the backend is back) is the only way to get media again.
   */
  private async sessionLost(event: MediaSessionLost): Promise<void> {
    const { registry, locks, clients, logger } = this;
    await locks.run(event.roomId, async () => {
      const room = registry.room(event.roomId);
      if (!room || room.mediaSession?.ref !== event.ref) return;
      logger.warn({ roomId: room.id, reason: event.reason, participants: room.size }, 'media session lost');
      for (const p of room.participants()) {
        clients.send(p.connectionId, {
          type: 'error',
          code: 'mediaServerUnavailable',
          message: `the media server lost this room's media (${event.reason}); join again`,
          details: { roomId: room.id },
        });
      }
      room.detachMedia();
      for (const p of room.participants()) {
        await this.departure.depart(room, p.userId, p.connectionId, 'mediaLost');
      }
    });
  }
}
