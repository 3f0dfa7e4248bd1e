import { randomUUID } from 'node:crypto';
import {
  SignalingError,
  subscribeTo,
  upstreamTo,
  type IceCandidate,
  type MediaCapabilities,
  type MediaLink,
  type MediaSession,
  type RoomId,
  type UserId,
} from '../../domain';
import type { MediaBackendEvent, MediaGateway, RequestId } from '../../application';
import { TypedEvents } from '../shared/typed-events';
import { RelayBudget } from './relay-budget';

/**
 * SDP bytes one member may have relayed to one other (MESH_SDP_BURST_BYTES): far above a real negotiation
 * (a few KB per link), below MAX_SEND_BACKLOG_BYTES; refilled at an eighth of it per second.
 */
export const RELAY_BURST_BYTES = 512 * 1024;

const RELAYED: Promise<void> = Promise.resolve();

const CAPABILITIES: MediaCapabilities = Object.freeze({
  backend: 'mesh',
  publish: false,
  clientOfferedSubscribe: true,
  serverOfferedSubscribe: true,
  peerToPeer: true,
});

/**
 * No media server: every pair of participants gets a direct peer connection from publisher to subscriber.
 * The server only relays. A subscription can be offered by the subscriber (the seed's `receiveVideoFrom`,
 * relayed to the publisher as `peerOffer`) or by the publisher (`subscribe` → `peerSubscribe`, then the
 * publisher's `peerOffer` is relayed to the subscriber as `subscribeOffer`). Each link seen from one end
 * is the mirror of the link seen from the other: `subscribe(P)` at S is `upstream(S)` at P.
 */
export class MeshMediaGateway implements MediaGateway {
  // No logger here: a listener that throws fails the emit, as it always did.
  private readonly events = new TypedEvents<{ media: [MediaBackendEvent] }>((error) => {
    throw error;
  });

  private readonly budget: RelayBudget;

  constructor(private readonly burstBytes: number = RELAY_BURST_BYTES) {
    this.budget = new RelayBudget(burstBytes, burstBytes / 8);
  }

  capabilities(): MediaCapabilities {
    return CAPABILITIES;
  }

  async openSession(roomId: RoomId): Promise<MediaSession> {
    return { roomId, backend: 'mesh', ref: `mesh-${randomUUID()}` };
  }

  async closeSession(session: MediaSession): Promise<void> {
    this.budget.forgetRoom(session.roomId);
  }

  async addParticipant(): Promise<void> {}

  // Peers close their own connections when they hear participantLeft.
  async removeParticipant(session: MediaSession, userId: UserId): Promise<void> {
    this.budget.forgetMember(session.roomId, userId);
  }

  async offer(session: MediaSession, from: UserId, link: MediaLink, sdp: string, requestId?: RequestId): Promise<void> {
    const mirror = this.mirror(from, link);
    this.charge(session, from, mirror.peer, sdp);
    this.emit({ type: 'offer', roomId: session.roomId, to: mirror.peer, link: mirror.link, sdp, ...(requestId !== undefined ? { requestId } : {}) });
  }

  async answer(session: MediaSession, from: UserId, link: MediaLink, sdp: string): Promise<void> {
    const mirror = this.mirror(from, link);
    this.charge(session, from, mirror.peer, sdp);
    this.emit({ type: 'answer', roomId: session.roomId, to: mirror.peer, link: mirror.link, sdp });
  }

  async requestOffer(session: MediaSession, from: UserId, link: MediaLink, requestId?: RequestId): Promise<void> {
    const mirror = this.mirror(from, link);
    this.emit({ type: 'offerRequest', roomId: session.roomId, to: mirror.peer, link: mirror.link, ...(requestId !== undefined ? { requestId } : {}) });
  }

  /**
   * Not `async`: relayed candidates are the most frequent message, and an async function makes a promise
   * per call; the relay is done when this returns, so every call returns the same settled promise.
   * Failures still reach the caller as a rejection, as from an async function.
   */
  addIceCandidate(session: MediaSession, from: UserId, link: MediaLink, candidate: IceCandidate): Promise<void> {
    try {
      const mirror = this.mirror(from, link);
      this.emit({ type: 'candidate', roomId: session.roomId, to: mirror.peer, link: mirror.link, candidate });
      return RELAYED;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  onEvent(listener: (event: MediaBackendEvent) => void): void {
    this.events.on('media', listener);
  }

  isAvailable(): boolean {
    return true;
  }

  async shutdown(): Promise<void> {}

  /** The same peer connection as the other end names it. */
  private mirror(from: UserId, link: MediaLink): { peer: UserId; link: MediaLink } {
    switch (link.kind) {
      case 'subscribe':
        return { peer: link.publisher, link: upstreamTo(from) };
      case 'upstream':
        return { peer: link.subscriber, link: subscribeTo(from) };
      case 'publish':
        throw new SignalingError('unsupportedFlow', 'mesh: there is no media server to publish to');
    }
  }

  private charge(session: MediaSession, from: UserId, to: UserId, sdp: string): void {
    if (this.budget.take(session.roomId, from, to, sdp.length)) return;
    throw new SignalingError('rateLimited', `more SDP sent to ${to} than a negotiation needs; this one was dropped`, {
      userId: to,
      limitBytes: this.burstBytes,
      bytesPerSecond: this.burstBytes / 8,
    });
  }

  private emit(event: MediaBackendEvent): void {
    this.events.emit('media', event);
  }
}
