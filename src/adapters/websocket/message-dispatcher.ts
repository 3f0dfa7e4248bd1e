import { PUBLISH, SignalingError, subscribeTo, upstreamTo, type ConnectionId, type MediaLink } from '../../domain';
import type { ClientMessage, ClientNotifier, RequestId } from '../../application';
import type { IceCandidateBudget } from './ice-candidate-budget';
import type { InboundMessage } from './inbound-messages';
import type { SignalingUseCases } from './signaling-use-cases';

/**
 * Maps each validated message to its use case, sends the reply a use case returns, and confirms with an
 * `ack` the requests that have no answer of their own. Refusals are thrown back to the session, which
 * answers them.
 */
export class MessageDispatcher {
  constructor(
    private readonly useCases: SignalingUseCases,
    private readonly clients: ClientNotifier,
  ) {}

  async dispatch(connectionId: ConnectionId, message: InboundMessage, ice?: IceCandidateBudget): Promise<void> {
    const { joinRoom, resumeSession, negotiate, addIceCandidate, setMediaState, leaveRoom, seedLinks } = this.useCases;
    const requestId = message.requestId;
    // Built without spreads: this runs for every relayed candidate.
    const base: { connectionId: ConnectionId; requestId?: RequestId } = requestId !== undefined ? { connectionId, requestId } : { connectionId };
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
          resumable: message.resumable === true,
          ...(message.displayName !== undefined ? { displayName: message.displayName } : {}),
        });
      case 'resumeSession':
        return resumeSession.execute({ ...base, resumeToken: message.resumeToken, ...(message.displayName !== undefined ? { displayName: message.displayName } : {}) });
      case 'receiveVideoFrom': {
        const link = seedLinks.linkFor(connectionId, message.userId);
        ice?.renew(link);
        return negotiate.offer({ ...base, link, sdp: message.sdpOffer });
      }
      case 'publish':
        ice?.renew(PUBLISH);
        return negotiate.offer({ ...base, link: PUBLISH, sdp: message.sdpOffer });
      case 'subscribe':
        ice?.renew(subscribeTo(message.userId));
        return negotiate.requestOffer({ ...base, link: subscribeTo(message.userId) });
      case 'subscribeAnswer':
        return this.acknowledged(base, negotiate.answer({ ...base, link: subscribeTo(message.userId), sdp: message.sdpAnswer }));
      case 'onIceCandidate':
        return this.acknowledged(base, this.candidate(connectionId, seedLinks.linkFor(connectionId, message.userId), message.candidate, ice));
      case 'peerOffer':
        ice?.renew(upstreamTo(message.userId));
        return this.acknowledged(base, negotiate.offer({ ...base, link: upstreamTo(message.userId), sdp: message.sdpOffer }));
      case 'peerAnswer':
        ice?.renew(upstreamTo(message.userId));
        return this.acknowledged(base, negotiate.answer({ ...base, link: upstreamTo(message.userId), sdp: message.sdpAnswer }));
      case 'peerIceCandidate':
        return this.acknowledged(base, this.candidate(connectionId, upstreamTo(message.userId), message.candidate, ice));
      case 'leaveRoom':
        return this.acknowledged(base, leaveRoom.execute({ connectionId }));
      case 'videoStateFrom':
        return this.replied(connectionId, setMediaState.execute({ ...base, userId: message.userId, kind: 'video', enabled: message.video }));
      case 'audioStateFrom':
        return this.replied(connectionId, setMediaState.execute({ ...base, userId: message.userId, kind: 'audio', enabled: message.audio }));
      case 'ping':
        // The connection's own liveness, nothing for the core: its ack is the answer.
        return this.acknowledged(base, Promise.resolve());
    }
  }

  /** Counted only once the core accepted it, so candidates for links that do not exist cost nothing. */
  private async candidate(
    connectionId: ConnectionId,
    link: MediaLink,
    candidate: Parameters<SignalingUseCases['addIceCandidate']['execute']>[0]['candidate'],
    ice: IceCandidateBudget | undefined,
  ): Promise<void> {
    if (ice && !ice.allows(link)) {
      throw new SignalingError('rateLimited', `more than ${ice.maxPerLink} ICE candidates on one link without a new offer or answer`, {
        limit: ice.maxPerLink,
      });
    }
    await this.useCases.addIceCandidate.execute({ connectionId, link, candidate });
    ice?.spend(link);
  }

  /** Requests whose use case returns the reply (the sender's `videoStateAnswer` / `audioStateAnswer`). */
  private async replied(connectionId: ConnectionId, work: Promise<ClientMessage>): Promise<void> {
    this.clients.send(connectionId, await work);
  }

  /** Requests whose answer comes from elsewhere (a peer) or not at all still confirm a requestId. */
  private acknowledged(base: { connectionId: ConnectionId; requestId?: RequestId }, work: Promise<void>): Promise<void> {
    const { requestId } = base;
    // Trickled candidates usually carry no requestId: no extra promise for them on the relay's hot path.
    if (requestId === undefined) return work;
    return work.then(() => this.clients.send(base.connectionId, { type: 'ack', requestId }));
  }
}
