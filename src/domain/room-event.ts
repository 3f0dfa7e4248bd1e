import type { CommunityId, RoomId, UserId } from './identifiers';

/** Why a participant stopped being in a room; presence and metrics tell these apart. */
export type DepartureReason =
  | 'left'
  | 'dropped'
  | 'replaced'
  | 'kicked'
  | 'mediaLost'
  | 'roomClosed'
  | 'shutdown'
  | 'nodeLost'
  /** This node found that another node holds the room now (it paused, or lost Redis); members were sent there. */
  | 'roomMoved';

/** Facts about rooms that outside systems (presence, metrics) care about. */
export type RoomEvent =
  | {
      readonly type: 'participantJoined';
      readonly roomId: RoomId;
      readonly communityId: CommunityId;
      readonly userId: UserId;
      readonly at: number;
    }
  | {
      readonly type: 'participantDeparted';
      readonly roomId: RoomId;
      readonly communityId: CommunityId;
      readonly userId: UserId;
      readonly reason: DepartureReason;
      readonly at: number;
    };
