import { SignalingError, type ConnectionId, type IceCandidate, type MediaLink } from '../../domain';
import type { CoreDependencies } from '../core-dependencies';
import { asMediaError } from '../media-errors';
import { assertLinkPeer, resolveParticipant } from './participant-context';
import type { RoomHolds } from './room-holds';

type Deps = Pick<CoreDependencies, 'registry' | 'media'>;

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
    private readonly deps: Deps,
    private readonly holds: RoomHolds,
  ) {}

  async execute(command: AddIceCandidateCommand): Promise<void> {
    let context = resolveParticipant(this.deps.registry, command.connectionId);
    const pending = this.holds.whenHeld(context.room.id);
    if (pending) {
      await pending;
      context = resolveParticipant(this.deps.registry, command.connectionId);
    }
    assertLinkPeer(context, command.link);
    if (command.link.kind === 'upstream' && !this.deps.media.capabilities().peerToPeer) {
      throw new SignalingError('unsupportedFlow', 'peer-to-peer links exist only with the mesh backend');
    }
    try {
      await this.deps.media.addIceCandidate(context.session, context.userId, command.link, command.candidate);
    } catch (error) {
      throw asMediaError(error);
    }
  }
}
