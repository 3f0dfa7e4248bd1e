import {
  isReconnecting,
  Room,
  SignalingError,
  type ConnectionId,
  type MediaSession,
  type Participant,
  type Seat,
} from '../../domain';
import { asMediaError } from '../media-errors';
import type { PresentedResumeToken, RequestId, ResumeReceipt, RoomHeader, SeatRecord } from '../ports';
import { assertNodeHasRoomFor } from './join-room';
import type { ReportLostRoom } from './report-lost-room';
import type { RoomDeparture } from './room-departure';
import type { RoomHolds } from './room-holds';
import type { SeatHolds } from './seat-holds';
import type { Welcome } from './welcome';
import type { ClientNotifier, Clock, Logger, MediaGateway, ResumeTokens, RoomPlacement, RoomStateStore } from '../ports';
import type { KeyedMutex } from '../keyed-mutex';
import type { RoomRegistry } from '../room-registry';
import type { SignalingSettings } from '../signaling-settings';
import type { RoomId } from '../../domain';

export interface ResumeSessionCommand {
  readonly connectionId: ConnectionId;
  readonly resumeToken: string;
  readonly requestId?: RequestId;
  /** The display name again: a room taken over from a dead host kept seats, not names. */
  readonly displayName?: string;
}


/** One message for every refusal, so that a client cannot tell a forged token from a used or expired one. */
const failed = (): SignalingError =>
  new SignalingError('resumeFailed', 'this session cannot be resumed (the token is unknown, used or expired, or the seat is gone); join again');

const notExpired = (seat: { readonly notAfter?: number }, now: number): boolean => (seat.notAfter ?? Number.POSITIVE_INFINITY) > now;

const keptSeat = (proof: string, previous: { readonly notAfter?: number } | undefined): Seat => ({
  proof,
  ...(previous?.notAfter !== undefined ? { notAfter: previous.notAfter } : {}),
});

/**
 * A new connection takes a held seat back (`resumeSession`). The participant keeps its place, media state
 * and media endpoints; the others hear `participantReconnected`, never `participantLeft` or
 * `newParticipantArrived`, and presence hears nothing. The token works once: the store swaps in the
 * proof of a fresh one atomically, so of two resumes with one token exactly one wins.
 *
 * A resume reaching a node that does not host the room is placed like a join: `wrongNode` when another live
 * node hosts it; when nobody does (its host died), this node takes the room over and the seats the dead
 * host's record still holds become its reconnecting members.
 */
export class ResumeSession {
  constructor(
    private readonly registry: RoomRegistry,
    private readonly locks: KeyedMutex<RoomId>,
    private readonly media: MediaGateway,
    private readonly store: RoomStateStore,
    private readonly placement: RoomPlacement,
    private readonly clients: ClientNotifier,
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

  async execute(command: ResumeSessionCommand): Promise<void> {
    const { registry, resumeTokens, locks } = this;
    const existing = registry.membership(command.connectionId);
    if (existing) {
      throw new SignalingError('alreadyInRoom', `this connection is already in room ${existing.roomId} as ${existing.userId}`, {
        roomId: existing.roomId,
      });
    }
    const presented = resumeTokens.read(command.resumeToken);
    if (!presented) throw failed();
    await locks.run(presented.roomId, async () => {
      if (registry.room(presented.roomId)) await this.holds.holdLocked(presented.roomId);
      const room = registry.room(presented.roomId);
      if (room) await this.resumeHere(room, presented, command);
      else await this.resumeTakingOver(presented, command);
    });
  }

  /** The room lives on this node: the seat is checked here, then the token swapped in the store. */
  private async resumeHere(room: Room, presented: PresentedResumeToken, command: ResumeSessionCommand): Promise<void> {
    const { registry, store, clients, resumeTokens, clock, logger } = this;
    const now = clock.now();
    const previous = room.find(presented.userId);
    if (!previous?.seat || previous.seat.proof !== presented.proof || !notExpired(previous.seat, now)) throw failed();
    if (isReconnecting(previous) && (previous.reconnectingUntil ?? 0) <= now) throw failed();

    const next = resumeTokens.issue(room.id, presented.userId);
    const receipt = await this.storeResume(store.recordResume(
      { roomId: room.id, communityId: room.communityId },
      { userId: presented.userId, proof: presented.proof, connectionId: command.connectionId, nextProof: next.proof },
    ));
    if (receipt.outcome === 'refused') {
      logger.warn({ roomId: room.id, userId: presented.userId }, 'the state store refused a resume this node would have allowed');
      throw failed();
    }
    // The client saw its connection die before this node did: the old connection goes now.
    if (!isReconnecting(previous)) {
      registry.unbind(previous.connectionId);
      clients.disconnect(previous.connectionId, 'sessionReplaced', 'you resumed this session from another connection');
    }
    this.seats.cancel(room.id, presented.userId);
    // A seat that came back from a dead host's record has no name (names are not stored): it takes the one
    // the resume brings. A seat that kept its name keeps it, as the others know it by it.
    const name = previous.displayName ?? command.displayName;
    const resumed = room.resumeSeat(presented.userId, command.connectionId, keptSeat(next.proof, previous.seat), name);
    registry.bind(command.connectionId, { roomId: room.id, userId: resumed.userId });
    this.welcome.send(room, resumed, { ...requestIdOf(command), resumeToken: next.token, resumed: true });
    // With the name: whoever came back before saw this seat nameless.
    const reconnected = { type: 'participantReconnected', userId: resumed.userId, ...(name !== undefined ? { displayName: name } : {}) } as const;
    for (const other of room.others(resumed.userId)) {
      if (!isReconnecting(other)) clients.send(other.connectionId, reconnected);
    }
    logger.info({ roomId: room.id, userId: resumed.userId }, 'participant resumed its seat');
  }

  /**
   * The room is not on this node: its host died (or this node gave it up). The seat is read first, so a
   * token that cannot work costs no placement and no media session; the store checks it again, atomically,
   * when it takes the record over.
   */
  private async resumeTakingOver(presented: PresentedResumeToken, command: ResumeSessionCommand): Promise<void> {
    const { registry, media, store, placement, resumeTokens, clock, logger, settings } = this;
    const record = await this.storeResume(store.getRoom(presented.roomId));
    const seat: SeatRecord | undefined = record?.members.find((m) => m.userId === presented.userId)?.seat;
    const now = clock.now();
    if (!record || !seat || seat.proof !== presented.proof || !notExpired(seat, now) || (seat.heldForMs !== undefined && seat.heldForMs <= 0)) {
      throw failed();
    }
    assertNodeHasRoomFor(registry, settings, presented.roomId);
    const decision = await placement.claim(presented.roomId);
    if (!decision.hostedHere) {
      throw new SignalingError('wrongNode', `room ${presented.roomId} is hosted by node ${decision.nodeId}`, {
        nodeId: decision.nodeId,
        nodeUrl: decision.nodeUrl,
      });
    }

    const room = new Room(presented.roomId, record.communityId, settings.roomCapacity);
    let session: MediaSession;
    try {
      session = await media.openSession(room.id, { capacity: room.capacity });
    } catch (error) {
      await placement.release(room.id).catch(() => undefined);
      throw asMediaError(error);
    }
    room.attachMedia(session);
    const next = resumeTokens.issue(room.id, presented.userId);
    const header: RoomHeader = {
      roomId: room.id,
      communityId: room.communityId,
      mediaRef: session.ref,
      capacity: room.capacity,
      resumeGraceMs: settings.resumeGraceMs,
    };
    let receipt: ResumeReceipt;
    try {
      await media.addParticipant(session, presented.userId);
      receipt = await this.storeResume(
        store.recordResume(header, { userId: presented.userId, proof: presented.proof, connectionId: command.connectionId, nextProof: next.proof }),
      );
    } catch (error) {
      await this.departure.closeRoom(room);
      throw error instanceof SignalingError ? error : asMediaError(error);
    }
    if (receipt.outcome === 'refused') {
      await this.departure.closeRoom(room);
      throw failed();
    }

    const { seat: stored, ...member } = receipt.member;
    const participant: Participant = {
      ...member,
      ...(command.displayName !== undefined ? { displayName: command.displayName } : {}),
      connectionId: command.connectionId,
      seat: keptSeat(next.proof, stored),
    };
    room.admit(participant);
    if (receipt.held) this.seats.adoptLocked(room, receipt.held);
    registry.addRoom(room);
    registry.bind(command.connectionId, { roomId: room.id, userId: participant.userId });
    this.welcome.send(room, participant, { ...requestIdOf(command), resumeToken: next.token, resumed: true });
    if (receipt.replaced && receipt.replaced.record.members.length > 0) this.lostRooms.execute(receipt.replaced);
    logger.info({ roomId: room.id, userId: participant.userId, held: receipt.held?.length ?? 0 }, 'participant resumed its seat in a room taken over');
  }

  /** Store failures other than typed refusals mean "try again shortly". */
  private async storeResume<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (error) {
      throw error instanceof SignalingError ? error : new SignalingError('stateStoreUnavailable', 'the state store could not be asked; try again');
    }
  }
}

const requestIdOf = (command: ResumeSessionCommand): { requestId?: RequestId } =>
  command.requestId !== undefined ? { requestId: command.requestId } : {};
