import type { CommunityId, ConnectionId, RoomId, UserId } from './identifiers';
import type { MediaSession } from './media-session';
import type { MediaState } from './media-state';
import { withMediaState, type Participant, type Seat } from './participant';
import { SignalingError } from './signaling-error';

/** The seed's limit, which it enforced off by one (26 got in). */
export const DEFAULT_ROOM_CAPACITY = 25;

export type Admission =
  | { readonly outcome: 'admitted' }
  /** The same user joined again from another connection: the old participant was taken over. */
  | { readonly outcome: 'replaced'; readonly previous: Participant };

/**
 * A group call. Holds who is in it and enforces the rules that do not depend on any I/O: a user is in
 * the room at most once, the room never holds more than its capacity, and only a participant changes its
 * own media state.
 */
export class Room {
  private readonly members = new Map<UserId, Participant>();
  private media: MediaSession | undefined;

  constructor(
    readonly id: RoomId,
    readonly communityId: CommunityId,
    readonly capacity: number = DEFAULT_ROOM_CAPACITY,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`room capacity must be a positive integer, got ${capacity}`);
    }
  }

  get size(): number {
    return this.members.size;
  }

  get isEmpty(): boolean {
    return this.members.size === 0;
  }

  get mediaSession(): MediaSession | undefined {
    return this.media;
  }

  attachMedia(session: MediaSession): void {
    if (session.roomId !== this.id) {
      throw new RangeError(`media session of room ${session.roomId} cannot serve room ${this.id}`);
    }
    this.media = session;
  }

  detachMedia(): MediaSession | undefined {
    const was = this.media;
    this.media = undefined;
    return was;
  }

  participants(): readonly Participant[] {
    return [...this.members.values()];
  }

  /** Everyone but `userId`, in join order. */
  others(userId: UserId): readonly Participant[] {
    return this.participants().filter((p) => p.userId !== userId);
  }

  find(userId: UserId): Participant | undefined {
    return this.members.get(userId);
  }

  has(userId: UserId): boolean {
    return this.members.has(userId);
  }

  /** Throws `roomFull` if a new user would exceed the capacity; a user who is already in never counts twice. */
  assertCanAdmit(userId: UserId): void {
    if (!this.members.has(userId) && this.members.size >= this.capacity) {
      throw new SignalingError('roomFull', `room ${this.id} is full (${this.capacity} participants)`, {
        roomId: this.id,
        capacity: this.capacity,
      });
    }
  }

  admit(participant: Participant): Admission {
    this.assertCanAdmit(participant.userId);
    const previous = this.members.get(participant.userId);
    // Re-inserting keeps join order meaningful: a takeover is a fresh arrival for the others.
    this.members.delete(participant.userId);
    this.members.set(participant.userId, participant);
    if (previous && previous.connectionId !== participant.connectionId) {
      return { outcome: 'replaced', previous };
    }
    return { outcome: 'admitted' };
  }

  /**
   * Removes the user only if it is still reached through `connectionId`: a late close of a connection that
   * was already taken over must not evict the user's new connection.
   */
  remove(userId: UserId, connectionId: ConnectionId): Participant | undefined {
    const current = this.members.get(userId);
    if (!current || current.connectionId !== connectionId) return undefined;
    this.members.delete(userId);
    return current;
  }

  /**
   * The participant's connection is gone but its seat is held until `until`: it stays a member (capacity,
   * media) without a connection. Only a resumable participant still reached through `connectionId`.
   */
  holdSeat(userId: UserId, connectionId: ConnectionId, until: number): Participant | undefined {
    const current = this.members.get(userId);
    if (!current?.seat || current.connectionId !== connectionId) return undefined;
    const held: Participant = { ...current, reconnectingUntil: until };
    this.members.set(userId, held);
    return held;
  }

  /**
   * The participant came back on `connectionId` with a fresh seat; it keeps its place and media state, and
   * is shown as `displayName` from now on when one is given.
   */
  resumeSeat(userId: UserId, connectionId: ConnectionId, seat: Seat, displayName?: string): Participant {
    const current = this.members.get(userId);
    if (!current) throw new SignalingError('resumeFailed', `user ${userId} has no seat in room ${this.id}`);
    const { reconnectingUntil: _, ...rest } = current;
    const resumed: Participant = { ...rest, connectionId, seat, ...(displayName !== undefined ? { displayName } : {}) };
    this.members.set(userId, resumed);
    return resumed;
  }

  /** `actor` is who asks; the seed let anyone change anyone's state. */
  changeMediaState(actor: UserId, target: UserId, change: Partial<MediaState>): Participant {
    if (actor !== target) {
      throw new SignalingError('forbidden', `user ${actor} may not change the media state of ${target}`);
    }
    const current = this.members.get(actor);
    if (!current) {
      throw new SignalingError('notInRoom', `user ${actor} is not in room ${this.id}`);
    }
    const next = withMediaState(current, change);
    this.members.set(actor, next);
    return next;
  }

  /** Throws `unknownUser` unless `userId` is in the room: media links may only point at participants. */
  requireParticipant(userId: UserId): Participant {
    const p = this.members.get(userId);
    if (!p) throw new SignalingError('unknownUser', `user ${userId} is not in room ${this.id}`, { userId });
    return p;
  }
}
