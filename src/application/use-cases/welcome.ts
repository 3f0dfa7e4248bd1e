import type { Participant, Room } from '../../domain';
import { memberView } from '../member-view';
import type { ClientNotifier, Clock, IceServerProvider, MediaGateway, RequestId } from '../ports';
import type { SignalingSettings } from '../signaling-settings';


export interface WelcomeOptions {
  readonly requestId?: RequestId;
  /** The participant's fresh resume token, when it holds a seat it may resume. */
  readonly resumeToken?: string;
  /** The reply to a resume rather than a join. */
  readonly resumed?: boolean;
}

/**
 * The `joined` reply, the same after a join and a resume: who else is in the room (and which of them are
 * reconnecting), what the media backend can do, the ICE servers to use, and a fresh resume token.
 */
export class Welcome {
  constructor(
    private readonly clients: ClientNotifier,
    private readonly media: MediaGateway,
    private readonly iceServers: IceServerProvider,
    private readonly clock: Clock,
    private readonly settings: SignalingSettings,
  ) {}

  /**
   * How long a drop from now on would hold the seat at most: the grace, cut to what is left of the token
   * the participant joined with, as the hold itself is (a seat never outlives that token).
   */
  private graceFor(participant: Participant): number {
    const notAfter = participant.seat?.notAfter;
    const grace = this.settings.resumeGraceMs;
    return notAfter === undefined ? grace : Math.max(0, Math.min(grace, Math.floor(notAfter - this.clock.now())));
  }

  send(room: Room, participant: Participant, options: WelcomeOptions): void {
    const { clients, media, iceServers } = this;
    const servers = iceServers.iceServersFor(participant.userId);
    clients.send(participant.connectionId, {
      type: 'joined',
      roomId: room.id,
      userId: participant.userId,
      others: room.others(participant.userId).map(memberView),
      media: media.capabilities(),
      ...(options.requestId !== undefined ? { requestId: options.requestId } : {}),
      ...(options.resumed ? { resumed: true } : {}),
      ...(options.resumeToken !== undefined ? { session: { resumeToken: options.resumeToken, graceMs: this.graceFor(participant) } } : {}),
      ...(servers.length > 0 ? { iceServers: servers } : {}),
    });
  }
}
