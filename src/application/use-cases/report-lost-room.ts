import type { DepartedRoom } from '../ports';
import type { Logger, PresenceNotifier } from '../ports';
import type { SignalingSettings } from '../signaling-settings';


/**
 * A room freed because the node hosting it died: its members' connections died with that node, and no
 * departure was ever sent for them. The node that reaped the room tells the presence server, so users
 * of a crashed node do not stay "in the room" there until they join again. `at` is the store's time of the
 * removal, so a member who rejoins right away is reported gone before its new arrival.
 */
export class ReportLostRoom {
  constructor(
    private readonly presence: PresenceNotifier,
    private readonly logger: Logger,
    private readonly settings: SignalingSettings,
  ) {}

  execute(departed: DepartedRoom): void {
    const { presence, logger, settings } = this;
    const { record: room, at } = departed;
    for (const member of room.members) {
      presence.notify({ type: 'participantDeparted', roomId: room.roomId, communityId: room.communityId, userId: member.userId, reason: 'nodeLost', at });
    }
    logger.warn({ roomId: room.roomId, deadNode: room.nodeId, by: settings.nodeId, members: room.members.length }, 'room of a dead node freed; its members reported gone');
  }
}
