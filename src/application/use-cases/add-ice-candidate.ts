import { SignalingError, type ConnectionId, type IceCandidate, type MediaLink } from '../../domain';
import { asMediaError } from '../media-errors';
import { assertLinkPeer, resolveParticipant } from './participant-context';
import type { RoomHolds } from './room-holds';
import type { MediaGateway } from '../ports';
import type { RoomRegistry } from '../room-registry';


export interface AddIceCandidateCommand {
  readonly connectionId: ConnectionId;
  readonly link: MediaLink;
  readonly candidate: IceCandidate;
}

/**
 * Passes a client's trickle ICE candidate on. Not under the room lock: candidates are the most frequent
 * message and the backend buffers those that arrive before their endpoint.
 */
export class AddIceCandidate {
  constructor(
    private readonly registry: RoomRegistry,
    private readonly media: MediaGateway,
    private readonly holds: RoomHolds,
  ) {}

  async execute(command: AddIceCandidateCommand): Promise<void> {
    let context = resolveParticipant(this.registry, command.connectionId);
    const pending = this.holds.whenHeld(context.room.id);
    if (pending) {
      await pending;
      context = resolveParticipant(this.registry, command.connectionId);
    }
    assertLinkPeer(context, command.link);
    if (command.link.kind === 'upstream' && !this.media.capabilities().peerToPeer) {
      throw new SignalingError('unsupportedFlow', 'peer-to-peer links exist only with the mesh backend');
    }
    try {
      await this.media.addIceCandidate(context.session, context.userId, command.link, command.candidate);
    } catch (error) {
      throw asMediaError(error);
    }
  }
}
