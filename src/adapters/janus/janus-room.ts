import type { VideoRoomHandle } from 'janode/plugins/videoroom';
import type { IceCandidate, MediaLink, RoomId, UserId } from '../../domain';

export interface PublisherEntry {
  readonly handle: VideoRoomHandle;
  /** Janus's feed id, once the participant has published. */
  feed?: number;
}

export interface SubscriberEntry {
  readonly handle: VideoRoomHandle;
  readonly publisher: UserId;
  /** The subscriber answered Janus's offer: the PeerConnection exists and can be renegotiated in place. */
  started?: boolean;
}

/**
 * A subscriber handle attached ahead of the participant's next subscription, so that a subscription (most
 * urgently the one made when a newcomer's media comes up) costs Janus one request, the join, not two.
 */
export interface SpareHandle {
  /** The attached handle, or undefined when the attach failed. */
  readonly ready: Promise<VideoRoomHandle | undefined>;
  /** Set once attached, so a handle Janus detaches by itself can be recognised. */
  handle?: VideoRoomHandle;
}

/** Client candidates that arrived before the handle of their link existed; bounded so a client cannot grow it. */
const MAX_PENDING_CANDIDATES = 64;

/** Which connection a client names: its own publish link, or its subscription to one publisher. */
export const linkKey = (user: UserId, link: MediaLink): string =>
  link.kind === 'subscribe' ? `s\u0000${user}\u0000${link.publisher}` : `${link.kind}\u0000${user}`;

/**
 * What the gateway holds for one signaling room: the VideoRoom room Janus hosts it in, a publisher
 * handle per participant and a subscriber handle per (subscriber, publisher) pair. Plain bookkeeping:
 * all talking to Janus happens in the gateway.
 */
export class JanusRoom {
  readonly publishers = new Map<UserId, PublisherEntry>();
  /** Keyed by linkKey(subscriber, subscribe(publisher)). */
  readonly subscribers = new Map<string, SubscriberEntry>();
  /** At most one spare subscriber handle per participant. */
  readonly spares = new Map<UserId, SpareHandle>();
  private readonly pending = new Map<string, IceCandidate[]>();

  constructor(
    readonly roomId: RoomId,
    /** The VideoRoom room id. */
    readonly janusRoom: number,
    readonly ref: string,
    /** The Janus session generation the room was created in; a room never outlives its generation. */
    readonly generation: number,
  ) {}

  handleFor(user: UserId, link: MediaLink): VideoRoomHandle | undefined {
    if (link.kind === 'publish') return this.publishers.get(user)?.handle;
    if (link.kind === 'subscribe') return this.subscribers.get(linkKey(user, link))?.handle;
    return undefined;
  }

  /** Keeps a candidate for later; false when the buffer for that link is full. */
  holdCandidate(user: UserId, link: MediaLink, candidate: IceCandidate): boolean {
    const key = linkKey(user, link);
    const list = this.pending.get(key) ?? [];
    if (list.length >= MAX_PENDING_CANDIDATES) return false;
    list.push(candidate);
    this.pending.set(key, list);
    return true;
  }

  takeCandidates(user: UserId, link: MediaLink): IceCandidate[] {
    const key = linkKey(user, link);
    const list = this.pending.get(key) ?? [];
    this.pending.delete(key);
    return list;
  }

  /** Removes every handle the participant owns or feeds, and returns them for detaching. */
  removeParticipant(user: UserId): VideoRoomHandle[] {
    const handles: VideoRoomHandle[] = [];
    const publisher = this.publishers.get(user);
    if (publisher) handles.push(publisher.handle);
    this.publishers.delete(user);
    for (const [key, entry] of this.subscribers) {
      const [, subscriber] = key.split('\u0000');
      if (subscriber === user || entry.publisher === user) {
        handles.push(entry.handle);
        this.subscribers.delete(key);
      }
    }
    for (const key of [...this.pending.keys()]) {
      if (key.split('\u0000')[1] === user || key.endsWith(`\u0000${user}`)) this.pending.delete(key);
    }
    return handles;
  }

  /** Takes the participant's spare subscriber handle, if it has one (being attached or attached). */
  takeSpare(user: UserId): SpareHandle | undefined {
    const spare = this.spares.get(user);
    this.spares.delete(user);
    return spare;
  }

  /** Removes the spare handles of one participant (or of everyone), for detaching once attached. */
  removeSpares(user?: UserId): SpareHandle[] {
    const removed = user === undefined ? [...this.spares.values()] : [this.spares.get(user)].filter((s): s is SpareHandle => s !== undefined);
    if (user === undefined) this.spares.clear();
    else this.spares.delete(user);
    return removed;
  }

  /** Every handle, for closing the room. */
  removeAll(): VideoRoomHandle[] {
    const handles = [...[...this.publishers.values()].map((p) => p.handle), ...[...this.subscribers.values()].map((s) => s.handle)];
    this.publishers.clear();
    this.subscribers.clear();
    this.pending.clear();
    return handles;
  }

  /** Forgets a handle Janus detached on its own. */
  forget(handle: VideoRoomHandle): void {
    for (const [user, entry] of this.publishers) if (entry.handle === handle) this.publishers.delete(user);
    for (const [key, entry] of this.subscribers) if (entry.handle === handle) this.subscribers.delete(key);
    for (const [user, spare] of this.spares) if (spare.handle === handle) this.spares.delete(user);
  }
}
