import { SignalingError, type ConnectionId, type MediaCapabilities, type MediaLink } from '../../domain';
import { asMediaError } from '../media-errors';
import { assertLinkPeer, resolveParticipant, type ParticipantContext } from './participant-context';
import type { RoomHolds } from './room-holds';
import type { MediaGateway, RequestId } from '../ports';
import type { KeyedMutex } from '../keyed-mutex';
import type { RoomRegistry } from '../room-registry';
import type { RoomId } from '../../domain';


export interface NegotiationCommand {
  readonly connectionId: ConnectionId;
  readonly link: MediaLink;
  readonly requestId?: RequestId;
}

type Action = 'offer' | 'answer' | 'requestOffer';

/**
 * SDP offer/answer between a participant and the media backend (or, in a mesh, a peer). Runs under the
 * room's lock so that an endpoint is never created for someone who is leaving at that moment.
 */
export class NegotiateMedia {
  constructor(
    private readonly registry: RoomRegistry,
    private readonly locks: KeyedMutex<RoomId>,
    private readonly media: MediaGateway,
    private readonly holds: RoomHolds,
  ) {}

  offer(command: NegotiationCommand & { readonly sdp: string }): Promise<void> {
    return this.run(command, 'offer', (c) => this.media.offer(c.session, c.userId, command.link, command.sdp, command.requestId));
  }

  answer(command: NegotiationCommand & { readonly sdp: string }): Promise<void> {
    return this.run(command, 'answer', (c) => this.media.answer(c.session, c.userId, command.link, command.sdp));
  }

  requestOffer(command: NegotiationCommand): Promise<void> {
    return this.run(command, 'requestOffer', (c) => this.media.requestOffer(c.session, c.userId, command.link, command.requestId));
  }

  private async run(command: NegotiationCommand, action: Action, work: (c: ParticipantContext) => Promise<void>): Promise<void> {
    const roomId = resolveParticipant(this.registry, command.connectionId).room.id;
    await this.locks.run(roomId, async () => {
      await this.holds.ensureHeldLocked(roomId);
      // Resolved again under the lock: the participant may have left while this request waited.
      const context = resolveParticipant(this.registry, command.connectionId);
      assertLinkPeer(context, command.link);
      assertFlowSupported(this.media.capabilities(), action, command.link);
      try {
        await work(context);
      } catch (error) {
        throw asMediaError(error);
      }
    });
  }
}

/** Says which flow to use instead, so that a client written for one backend learns what another needs. */
export const assertFlowSupported = (caps: MediaCapabilities, action: Action, link: MediaLink): void => {
  const refuse = (why: string): never => {
    throw new SignalingError('unsupportedFlow', `${caps.backend}: ${why}`, { backend: caps.backend });
  };
  switch (link.kind) {
    case 'publish':
      if (action !== 'offer') refuse('a publish link is negotiated by the client\'s offer');
      if (!caps.publish) {
        refuse(caps.peerToPeer
          ? 'there is no media server to publish to; answer peerSubscribe requests with peerOffer instead'
          : 'publishing is not supported');
      }
      return;
    case 'subscribe':
      if (action === 'offer' && !caps.clientOfferedSubscribe) {
        refuse('subscriptions are offered by the server; send subscribe {userId} and answer its subscribeOffer');
      }
      if (action !== 'offer' && !caps.serverOfferedSubscribe) {
        refuse('subscriptions are offered by the client; send receiveVideoFrom {userId, sdpOffer}');
      }
      return;
    case 'upstream':
      if (!caps.peerToPeer) refuse('peer-to-peer links exist only with the mesh backend');
      if (action === 'requestOffer') refuse('the subscriber asks for an upstream offer with subscribe');
      return;
  }
};
