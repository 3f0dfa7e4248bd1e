import {
  Room,
  SignalingError,
  type CommunityId,
  type ConnectionId,
  type MediaSession,
  type Participant,
  type RoomId,
  type UserId,
} from '../../domain';
import { asMediaError } from '../media-errors';
import { memberView } from '../member-view';
import type { IssuedResumeToken, JoinReceipt, RequestId } from '../ports';
import type { RoomRegistry } from '../room-registry';
import type { SignalingSettings } from '../signaling-settings';
import type { ReportLostRoom } from './report-lost-room';
import type { RoomDeparture } from './room-departure';
import type { RoomHolds } from './room-holds';
import type { SeatHolds } from './seat-holds';
import type { Welcome } from './welcome';
import type { ClientNotifier, Clock, Logger, MediaGateway, PresenceNotifier, ResumeTokens, RoomPlacement, RoomStateStore, TokenVerifier } from '../ports';
import type { KeyedMutex } from '../keyed-mutex';

export interface JoinRoomCommand {
  readonly connectionId: ConnectionId;
  readonly token: string | undefined;
  readonly userId: UserId;
  readonly roomId: RoomId;
  readonly communityId: CommunityId;
  readonly audio: boolean;
  readonly video: boolean;
  readonly requestId?: RequestId;
  /** The client can resume its seat after a drop (`resumeSession`); the seed's clients never ask. */
  readonly resumable?: boolean;
  readonly displayName?: string;
}


/** `nodeFull` when a join or resume would open one more room on a node that hosts its limit. */
export const assertNodeHasRoomFor = (registry: RoomRegistry, settings: SignalingSettings, roomId: RoomId): void => {
  const max = settings.maxRoomsPerNode;
  if (max === undefined || registry.room(roomId) || registry.roomCount < max) return;
  throw new SignalingError('nodeFull', `this node already hosts its limit of ${max} rooms`, { limit: max });
};

/**
 * Puts a user into a room. Every step that can fail (token, placement, media, state store) runs before
 * the room changes in memory, and each failure undoes the steps before it, so a refused join leaves
 * nothing behind.
 */
export class JoinRoom {
  constructor(
    private readonly registry: RoomRegistry,
    private readonly locks: KeyedMutex<RoomId>,
    private readonly media: MediaGateway,
    private readonly store: RoomStateStore,
    private readonly placement: RoomPlacement,
    private readonly clients: ClientNotifier,
    private readonly presence: PresenceNotifier,
    private readonly tokens: TokenVerifier,
    private readonly resumeTokens: ResumeTokens,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly settings: SignalingSettings,
    private readonly departure: RoomDeparture,
    private readonly holds: RoomHolds,
    private readonly lostRooms: ReportLostRoom,
    private readonly seats: SeatHolds,
    private readonly welcome: Welcome,
  ) {}

  async execute(command: JoinRoomCommand): Promise<void> {
    const { registry, tokens, placement, locks } = this;
    const existing = registry.membership(command.connectionId);
    if (existing) {
      throw new SignalingError(
        'alreadyInRoom',
        `this connection is already in room ${existing.roomId} as ${existing.userId}; send leaveRoom first`,
        { roomId: existing.roomId },
      );
    }
    const { userId, expiresAt } = await tokens.verify({ token: command.token, claimedUserId: command.userId, roomId: command.roomId });
    // The claim runs under the room's lock: outside it, the last member of the room leaving at the same
    // moment could release the placement between our claim and our join, leaving a room nobody owns.
    await locks.run(command.roomId, async () => {
      // A room held here whose hold is in doubt (this node was paused) is checked first; if another node
      // took it meanwhile it is given up, and this join is then placed like any other.
      if (registry.room(command.roomId)) await this.holds.holdLocked(command.roomId);
      assertNodeHasRoomFor(registry, this.settings, command.roomId);
      // The one decision of who hosts the room. The store's write below is fenced by it (it carries the
      // lease this claim gave and is refused if another node held the room since); it never decides again.
      const decision = await placement.claim(command.roomId);
      if (!decision.hostedHere) {
        throw new SignalingError('wrongNode', `room ${command.roomId} is hosted by node ${decision.nodeId}`, {
          nodeId: decision.nodeId,
          nodeUrl: decision.nodeUrl,
        });
      }
      await this.joinLocked({ ...command, userId }, expiresAt);
    });
  }

  private async joinLocked(command: JoinRoomCommand, expiresAt: number | undefined): Promise<void> {
    const { registry, media, store, clients, presence, resumeTokens, clock, logger, settings } = this;
    const known = registry.room(command.roomId);
    const room = known ?? new Room(command.roomId, command.communityId, settings.roomCapacity);
    if (room.communityId !== command.communityId) {
      throw new SignalingError(
        'invalidMessage',
        `room ${room.id} belongs to community ${room.communityId}, not ${command.communityId}`,
      );
    }
    // `roomFull` is thrown like any refusal; the inbound adapter answers it (the seed's limitJoinAnswer).
    room.assertCanAdmit(command.userId);

    const previous = room.find(command.userId);
    if (previous) await this.takeOver(room, previous);

    let session: MediaSession;
    try {
      session = await this.ensureMediaSession(room);
    } catch (error) {
      // A new room that never got its media session still holds this node's placement claim.
      if (room.isEmpty) await this.placement.release(room.id).catch(() => undefined);
      throw error;
    }
    try {
      await media.addParticipant(session, command.userId);
    } catch (error) {
      await this.abandonIfEmpty(room);
      throw asMediaError(error);
    }

    // A token already past its expiry (admitted within AUTH_CLOCK_TOLERANCE_SECS) could hold no seat:
    // its resume token would be refused whenever it came back, so none is given.
    const resumable = command.resumable === true && settings.resumeGraceMs > 0 && (expiresAt === undefined || expiresAt > clock.now());
    const resume: IssuedResumeToken | undefined = resumable ? resumeTokens.issue(room.id, command.userId) : undefined;
    const participant: Participant = {
      userId: command.userId,
      connectionId: command.connectionId,
      audio: command.audio,
      video: command.video,
      joinedAt: clock.now(),
      ...(command.displayName !== undefined ? { displayName: command.displayName } : {}),
      ...(resume ? { seat: { proof: resume.proof, ...(expiresAt !== undefined ? { notAfter: expiresAt } : {}) } } : {}),
    };
    let receipt: JoinReceipt;
    try {
      receipt = await store.recordJoin(
        { roomId: room.id, communityId: room.communityId, mediaRef: session.ref, capacity: room.capacity, resumeGraceMs: settings.resumeGraceMs },
        participant,
      );
    } catch (error) {
      await media.removeParticipant(session, command.userId).catch(() => undefined);
      await this.abandonIfEmpty(room);
      // `roomFull` here: the room a dead host left still holds seats for all its places.
      throw error instanceof SignalingError
        ? error
        : new SignalingError('stateStoreUnavailable', 'the state store did not record the join; try again');
    }

    room.admit(participant);
    // Seats a dead host's record still held: their owners may resume here.
    if (receipt.held) this.seats.adoptLocked(room, receipt.held);
    if (!known) registry.addRoom(room);
    registry.bind(command.connectionId, { roomId: room.id, userId: command.userId });

    this.welcome.send(room, participant, {
      ...(command.requestId !== undefined ? { requestId: command.requestId } : {}),
      ...(resume ? { resumeToken: resume.token } : {}),
    });
    const arrival = memberView(participant);
    for (const other of room.others(command.userId)) {
      clients.send(other.connectionId, { type: 'participantJoined', member: arrival });
    }
    // The record of a dead host this join replaced: its members went down with that host, before this arrival.
    if (receipt.replaced && receipt.replaced.record.members.length > 0) this.lostRooms.execute(receipt.replaced);
    presence.notify({ type: 'participantJoined', roomId: room.id, communityId: room.communityId, userId: command.userId, at: receipt.at });
    logger.info({ roomId: room.id, userId: command.userId, size: room.size }, 'participant joined');
  }

  /** The same user joined from a new connection: the old one is told, closed, and its media freed. */
  private async takeOver(room: Room, previous: Participant): Promise<void> {
    this.seats.cancel(room.id, previous.userId);
    await this.departure.depart(room, previous.userId, previous.connectionId, 'replaced', { keepRoomOpen: true });
    this.clients.disconnect(previous.connectionId, 'sessionReplaced', 'you joined this room again from another connection');
  }

  private async ensureMediaSession(room: Room): Promise<MediaSession> {
    const current = room.mediaSession;
    if (current) return current;
    try {
      const session = await this.media.openSession(room.id, { capacity: room.capacity });
      room.attachMedia(session);
      return session;
    } catch (error) {
      throw asMediaError(error);
    }
  }

  /** A failed join must not leave an empty room (and its media session) behind. */
  private async abandonIfEmpty(room: Room): Promise<void> {
    if (room.isEmpty) await this.departure.closeRoom(room);
  }
}
