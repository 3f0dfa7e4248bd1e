import { PUBLISH, SignalingError, subscribeTo, upstreamTo, type ConnectionId, type MediaLink, type UserId } from '../../domain';
import type { ClientNotifier, RoomRegistry } from '../../application';
import type { InboundMessage } from './inbound-messages';
import type { SignalingUseCases } from './signaling-use-cases';

/**
 * Maps each validated message to its use case. The seed names a link by whose media it carries, so
 * `userId` equal to the sender's own id means its publish link.
 */
export class MessageDispatcher {
  constructor(
    private readonly useCases: SignalingUseCases,
    private readonly registry: RoomRegistry,
    private readonly clients: ClientNotifier,
  ) {}

  async dispatch(connectionId: ConnectionId, message: InboundMessage): Promise<void> {
    const { joinRoom, negotiate, addIceCandidate, setMediaState, leaveRoom } = this.useCases;
    const requestId = message.requestId;
    const base = { connectionId, ...(requestId !== undefined ? { requestId } : {}) };
    switch (message.id) {
      case 'joinRoom':
        return joinRoom.execute({
          ...base,
          token: message.token,
          userId: message.userId,
          roomId: message.roomId,
          communityId: message.communityId,
          audio: message.audio,
          video: message.video,
        });
      case 'receiveVideoFrom':
        return negotiate.offer({ ...base, link: this.seedLink(connectionId, message.userId), sdp: message.sdpOffer });
      case 'publish':
        return negotiate.offer({ ...base, link: PUBLISH, sdp: message.sdpOffer });
      case 'subscribe':
        return negotiate.requestOffer({ ...base, link: subscribeTo(message.userId) });
      case 'subscribeAnswer':
        return this.acknowledged(base, negotiate.answer({ ...base, link: subscribeTo(message.userId), sdp: message.sdpAnswer }));
      case 'onIceCandidate':
        return this.acknowledged(base, addIceCandidate.execute({ connectionId, link: this.seedLink(connectionId, message.userId), candidate: message.candidate }));
      case 'peerOffer':
        return this.acknowledged(base, negotiate.offer({ ...base, link: upstreamTo(message.userId), sdp: message.sdpOffer }));
      case 'peerAnswer':
        return this.acknowledged(base, negotiate.answer({ ...base, link: upstreamTo(message.userId), sdp: message.sdpAnswer }));
      case 'peerIceCandidate':
        return this.acknowledged(base, addIceCandidate.execute({ connectionId, link: upstreamTo(message.userId), candidate: message.candidate }));
      case 'leaveRoom':
        return leaveRoom.execute(base);
      case 'videoStateFrom':
        return setMediaState.execute({ ...base, userId: message.userId, kind: 'video', enabled: message.video });
      case 'audioStateFrom':
        return setMediaState.execute({ ...base, userId: message.userId, kind: 'audio', enabled: message.audio });
    }
  }

  /** Requests whose answer comes from elsewhere (a peer) or not at all still confirm a requestId. */
  private async acknowledged(base: { connectionId: ConnectionId; requestId?: string }, work: Promise<void>): Promise<void> {
    await work;
    if (base.requestId !== undefined) this.clients.send(base.connectionId, { type: 'ack', requestId: base.requestId });
  }

  private seedLink(connectionId: ConnectionId, userId: UserId): MediaLink {
    const self = this.registry.membership(connectionId)?.userId;
    if (self === undefined) throw new SignalingError('notInRoom', 'join a room first (joinRoom)');
    return userId === self ? PUBLISH : subscribeTo(userId);
  }
}
