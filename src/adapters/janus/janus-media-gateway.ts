import { randomInt } from 'node:crypto';
import VideoRoomPlugin, { type VideoRoomHandle } from 'janode/plugins/videoroom';
import type { JanodeJsep } from 'janode';
import {
  PUBLISH,
  SignalingError,
  subscribeTo,
  type IceCandidate,
  type MediaCapabilities,
  type MediaLink,
  type MediaSession,
  type RoomId,
  type UserId,
} from '../../domain';
import type { Logger, MediaBackendEvent, MediaGateway, OpenSessionOptions, RequestId } from '../../application';
import type { JanusConnection, JanusLink } from './janus-connection';
import { isAlreadyGone, toSignalingError } from './janus-errors';
import { JanusRoom, linkKey, type SpareHandle, type SubscriberEntry } from './janus-room';
import type { JanusSettings } from './janus-settings';
import { withTimeout } from './janus-timeout';
import { watchHandle } from './handle-events';

const BACKEND = 'janus';
const CAPABILITIES: MediaCapabilities = Object.freeze({
  backend: BACKEND,
  publish: true,
  clientOfferedSubscribe: false,
  serverOfferedSubscribe: true,
  peerToPeer: false,
});
/** VideoRoom room ids are numbers; random ones keep several signaling nodes sharing one Janus apart. */
const MAX_ROOM_ID = 2 ** 47;
const CREATE_ATTEMPTS = 3;
const SUBSCRIBE_HINT = 'subscriptions are offered by Janus; send subscribe {userId} and answer its subscribeOffer with subscribeAnswer';

const ignore = (): void => undefined;

/**
 * Where a handle's events go. A spare subscriber handle is attached before it has a subscription: its
 * link (and the fields it logs with) are filled in when a subscription takes it.
 */
interface HandleRoute {
  link?: MediaLink;
  readonly fields: Record<string, unknown>;
}

const routeFor = (room: JanusRoom, userId: UserId, link?: MediaLink): HandleRoute => ({
  ...(link ? { link } : {}),
  fields: { roomId: room.roomId, userId, link: link?.kind ?? 'spare', ...(link?.kind === 'subscribe' ? { publisher: link.publisher } : {}) },
});

/** Janus has no media from that publisher yet; clients retry the subscription a little later. */
const notPublished = (publisher: UserId): SignalingError =>
  new SignalingError('mediaBackendError', `${publisher} has not published media yet; subscribe again once it has`, {
    reason: 'notPublished',
    userId: publisher,
  });

/**
 * Media through the Janus VideoRoom plugin, over Janus's WebSocket API with janode. One VideoRoom room per
 * signaling room (sized to the room's capacity), a publisher handle per participant (the client offers,
 * Janus answers) and a subscriber handle per subscription (Janus offers, the client answers). Janus
 * cannot answer a client's offer to receive (the seed's receiveVideoFrom with another's id): that is
 * refused with `unsupportedFlow` naming the flow to use.
 *
 * When the connection to Janus is lost every room's media is gone: each room gets a `sessionLost`, the
 * bookkeeping is dropped, and rooms opened after the reconnect start afresh.
 */
export class JanusMediaGateway implements MediaGateway {
  private readonly rooms = new Map<string, JanusRoom>();
  /** VideoRoom rooms left behind by a lost connection; destroyed if the same Janus is still there. */
  private readonly orphans = new Set<number>();
  private readonly listeners: ((event: MediaBackendEvent) => void)[] = [];
  /** The routes of spare handles, until a subscription takes them. */
  private readonly routes = new WeakMap<VideoRoomHandle, HandleRoute>();

  constructor(
    private readonly connection: JanusConnection,
    private readonly settings: JanusSettings,
    private readonly logger: Logger,
  ) {
    connection.onLost((reason, generation) => this.connectionLost(reason, generation));
    connection.onUp((link) => void this.destroyOrphans(link));
  }

  /** Connects to Janus in the background; joins wait (up to connectWaitMs) for the first connection. */
  start(): void {
    this.connection.start();
  }

  capabilities(): MediaCapabilities {
    return CAPABILITIES;
  }

  isAvailable(): boolean {
    return this.connection.isUp();
  }

  onEvent(listener: (event: MediaBackendEvent) => void): void {
    this.listeners.push(listener);
  }

  async openSession(roomId: RoomId, options: OpenSessionOptions): Promise<MediaSession> {
    const link = await this.connection.ready();
    for (let attempt = 1; ; attempt += 1) {
      const janusRoom = randomInt(1, MAX_ROOM_ID);
      try {
        await this.call('create room', link.manager.create({
          room: janusRoom,
          description: roomId.slice(0, 100),
          max_publishers: options.capacity,
          permanent: false,
          notify_joining: false,
          ...(this.settings.publisherBitrate > 0 ? { bitrate: this.settings.publisherBitrate } : {}),
        }));
      } catch (error) {
        // 427: a room with that id exists (another node chose the same number); pick again.
        if (attempt < CREATE_ATTEMPTS && error instanceof SignalingError && error.details?.janusCode === 427) continue;
        throw error;
      }
      if (this.connection.current()?.generation !== link.generation) {
        this.orphans.add(janusRoom);
        throw new SignalingError('mediaServerUnavailable', 'the connection to Janus was lost while the room was being created; join again');
      }
      const ref = String(janusRoom);
      this.rooms.set(ref, new JanusRoom(roomId, janusRoom, ref, link.generation));
      this.logger.info({ roomId, janusRoom, capacity: options.capacity }, 'janus videoroom created');
      return { roomId, backend: BACKEND, ref };
    }
  }

  async closeSession(session: MediaSession): Promise<void> {
    const room = this.rooms.get(session.ref);
    if (!room) {
      this.logger.debug({ roomId: session.roomId, ref: session.ref }, 'janus room already forgotten');
      return;
    }
    this.rooms.delete(session.ref);
    this.discardSpares(room, room.removeSpares());
    await this.detachAll(room.removeAll(), room.roomId);
    const link = this.connection.current();
    if (!link || link.generation !== room.generation) {
      // Janus restarted (the room died with it) or is away (destroy the room if it comes back).
      if (!link) this.orphans.add(room.janusRoom);
      return;
    }
    try {
      await this.call('destroy room', link.manager.destroy({ room: room.janusRoom }));
      this.logger.info({ roomId: room.roomId, janusRoom: room.janusRoom }, 'janus videoroom destroyed');
    } catch (error) {
      if (!isAlreadyGone(error)) {
        this.logger.warn({ roomId: room.roomId, janusRoom: room.janusRoom, err: toSignalingError('destroy room', error, this.isAvailable()).message }, 'janus did not destroy a room');
      }
    }
  }

  async addParticipant(session: MediaSession, userId: UserId): Promise<void> {
    const room = this.room(session);
    // A participant that joins again (takeover) was removed first; anything left is stale.
    await this.detachAll(room.removeParticipant(userId), room.roomId);
    this.discardSpares(room, room.removeSpares(userId));
    const handle = await this.attach(room, userId, routeFor(room, userId, PUBLISH));
    room.publishers.set(userId, { handle });
    this.prepareSpare(room, userId);
    await this.flushCandidates(room, userId, PUBLISH, handle);
  }

  async removeParticipant(session: MediaSession, userId: UserId): Promise<void> {
    const room = this.rooms.get(session.ref);
    if (!room) return;
    await this.detachAll(room.removeParticipant(userId), room.roomId);
    this.discardSpares(room, room.removeSpares(userId));
  }

  async offer(session: MediaSession, from: UserId, link: MediaLink, sdp: string, requestId?: RequestId): Promise<void> {
    if (link.kind !== 'publish') throw new SignalingError('unsupportedFlow', `janus: ${SUBSCRIBE_HINT}`, { backend: BACKEND });
    const room = this.room(session);
    let entry = room.publishers.get(from);
    if (!entry) {
      const handle = await this.attach(room, from, routeFor(room, from, link));
      entry = { handle };
      room.publishers.set(from, entry);
    }
    const jsep: JanodeJsep = { type: 'offer', sdp };
    let answer: JanodeJsep | undefined;
    if (entry.feed === undefined) {
      const publisher = entry;
      const joined = await this.call('publish', publisher.handle.joinConfigurePublisher({ room: room.janusRoom, display: from, jsep })).catch(
        async (error: unknown) => {
          // A join Janus carried out but answered after the deadline (or never) leaves this handle a
          // publisher in the room, whose feed id we never learnt: every retry's join on it would be
          // refused ("Already in as a publisher", 425) and the client could not publish until it
          // rejoined. So a failed join spends the handle: detaching it takes that participant out of
          // the room, and the retry attaches a fresh one. Janus's late answer goes to a detached handle.
          if (room.publishers.get(from) === publisher) room.publishers.delete(from);
          await this.detachAll([publisher.handle], room.roomId);
          throw error;
        },
      );
      entry.feed = joined.feed;
      answer = joined.jsep;
    } else {
      answer = (await this.call('republish', entry.handle.configure({ jsep }))).jsep;
    }
    if (answer?.type !== 'answer') throw new SignalingError('mediaBackendError', 'Janus accepted the publish offer but sent no answer');
    this.logger.debug({ roomId: room.roomId, userId: from, feed: entry.feed }, 'janus publisher configured');
    this.emit({ type: 'answer', roomId: room.roomId, to: from, link, sdp: answer.sdp, ...(requestId !== undefined ? { requestId } : {}) });
  }

  async requestOffer(session: MediaSession, from: UserId, link: MediaLink, requestId?: RequestId): Promise<void> {
    if (link.kind !== 'subscribe') {
      throw new SignalingError('unsupportedFlow', 'janus: only subscriptions are offered by the server; publish with your own offer', { backend: BACKEND });
    }
    const room = this.room(session);
    const feed = room.publishers.get(link.publisher)?.feed;
    if (feed === undefined) throw notPublished(link.publisher);
    const key = linkKey(from, link);
    const previous = room.subscribers.get(key);
    // A subscription that is up is renegotiated in place (an ICE restart on the same PeerConnection, as a
    // client that resumed its session needs); one never answered is replaced.
    if (previous?.started && (await this.restartSubscription(room, from, link.publisher, previous, requestId))) return;
    if (previous) {
      room.subscribers.delete(key);
      await this.detachAll([previous.handle], room.roomId);
    }
    const handle = await this.subscriberHandle(room, from, link);
    room.subscribers.set(key, { handle, publisher: link.publisher });
    try {
      const joined = await this.call('subscribe', handle.joinSubscriber({ room: room.janusRoom, feed })).catch((error: unknown) => {
        // 428: Janus lets subscribers in only once the publisher's PeerConnection is up.
        throw error instanceof SignalingError && error.details?.janusCode === 428 ? notPublished(link.publisher) : error;
      });
      if (joined.jsep?.type !== 'offer') throw new SignalingError('mediaBackendError', 'Janus accepted the subscription but sent no offer');
      this.emit({ type: 'offer', roomId: room.roomId, to: from, link: subscribeTo(link.publisher), sdp: joined.jsep.sdp, ...(requestId !== undefined ? { requestId } : {}) });
    } catch (error) {
      if (room.subscribers.get(key)?.handle === handle) room.subscribers.delete(key);
      await this.detachAll([handle], room.roomId);
      throw error;
    }
    await this.flushCandidates(room, from, link, handle);
  }

  async answer(session: MediaSession, from: UserId, link: MediaLink, sdp: string): Promise<void> {
    if (link.kind !== 'subscribe') {
      throw new SignalingError('unsupportedFlow', 'janus: answers are only for subscriptions (subscribeAnswer)', { backend: BACKEND });
    }
    const room = this.room(session);
    const entry = room.subscribers.get(linkKey(from, link));
    if (!entry) throw new SignalingError('invalidMessage', `no subscription offer for ${link.publisher} is pending; send subscribe first`);
    await this.call('start subscription', entry.handle.start({ jsep: { type: 'answer', sdp } }));
    entry.started = true;
  }

  /** Asks Janus for an ICE-restart offer on a running subscription; false when it would not give one. */
  private async restartSubscription(room: JanusRoom, from: UserId, publisher: UserId, entry: SubscriberEntry, requestId?: RequestId): Promise<boolean> {
    try {
      const configured = await this.call('restart subscription', entry.handle.configure({ restart: true }));
      if (configured.jsep?.type !== 'offer') return false;
      this.emit({ type: 'offer', roomId: room.roomId, to: from, link: subscribeTo(publisher), sdp: configured.jsep.sdp, ...(requestId !== undefined ? { requestId } : {}) });
      this.logger.debug({ roomId: room.roomId, userId: from, publisher }, 'janus subscription restarted');
      return true;
    } catch (error) {
      this.logger.debug({ roomId: room.roomId, userId: from, err: String(error) }, 'janus could not restart a subscription; replacing it');
      return false;
    }
  }

  async addIceCandidate(session: MediaSession, from: UserId, link: MediaLink, candidate: IceCandidate): Promise<void> {
    if (link.kind === 'upstream') throw new SignalingError('unsupportedFlow', 'janus: peer-to-peer links exist only with the mesh backend');
    const room = this.room(session);
    const handle = room.handleFor(from, link);
    if (!handle) {
      // The candidate overtook its offer or subscribe (candidates are not serialized with them).
      if (!room.holdCandidate(from, link, candidate)) this.logger.debug({ roomId: room.roomId, userId: from }, 'dropped an early ICE candidate');
      return;
    }
    try {
      await this.trickle(handle, candidate);
    } catch (error) {
      // The link was torn down (a departure, a new subscribe) while the candidate was on its way.
      if (this.rooms.get(session.ref)?.handleFor(from, link) !== handle) {
        this.logger.debug({ roomId: room.roomId, userId: from }, 'dropped an ICE candidate for a closed link');
        return;
      }
      throw error;
    }
  }

  async shutdown(): Promise<void> {
    const link = this.connection.current();
    const rooms = [...this.rooms.values()];
    this.rooms.clear();
    await Promise.allSettled(
      rooms.map(async (room) => {
        this.discardSpares(room, room.removeSpares());
        await this.detachAll(room.removeAll(), room.roomId);
        if (link && link.generation === room.generation) await this.call('destroy room', link.manager.destroy({ room: room.janusRoom }));
      }),
    );
    await this.connection.stop();
  }

  private room(session: MediaSession): JanusRoom {
    const room = this.rooms.get(session.ref);
    if (!room) throw new SignalingError('mediaServerUnavailable', `room ${session.roomId} has no media on Janus any more; join again`);
    return room;
  }

  private async attach(room: JanusRoom, userId: UserId, route: HandleRoute): Promise<VideoRoomHandle> {
    const janus = this.liveLink(room);
    const handle = await this.call('attach', janus.session.attach(VideoRoomPlugin), (late) => void late.detach().catch(ignore));
    const publisher = route.link?.kind === 'publish';
    watchHandle(
      handle,
      {
        candidate: (candidate) => {
          if (route.link) this.emit({ type: 'candidate', roomId: room.roomId, to: userId, link: route.link, candidate });
        },
        detached: () => room.forget(handle),
        // Janus admits subscribers to a feed only once its publisher's PeerConnection is up (428 before):
        // saying so spares the others polling `subscribe`.
        ...(publisher ? { webrtcUp: () => this.emit({ type: 'published', roomId: room.roomId, userId }) } : {}),
      },
      this.logger,
      route.fields,
    );
    return handle;
  }

  /**
   * A subscriber handle for `from`'s subscription on `link`: its spare when it has one (attached at join,
   * or still attaching), else a new one; a new spare is then attached for its next subscription.
   */
  private async subscriberHandle(room: JanusRoom, from: UserId, link: Extract<MediaLink, { kind: 'subscribe' }>): Promise<VideoRoomHandle> {
    const spare = room.takeSpare(from);
    const handle = spare ? await spare.ready : undefined;
    this.prepareSpare(room, from);
    if (!handle) return this.attach(room, from, routeFor(room, from, link));
    const route = this.routes.get(handle);
    this.routes.delete(handle);
    if (route) {
      route.link = link;
      Object.assign(route.fields, routeFor(room, from, link).fields);
    }
    return handle;
  }

  /**
   * Attaches a spare subscriber handle for `userId` in the background (one at most), so its next
   * subscription needs only Janus's join. A spare that fails to attach is simply not there.
   */
  private prepareSpare(room: JanusRoom, userId: UserId): void {
    if (room.spares.has(userId) || this.rooms.get(room.ref) !== room || !room.publishers.has(userId)) return;
    const link = this.connection.current();
    if (!link || link.generation !== room.generation) return;
    const route = routeFor(room, userId);
    const spare: SpareHandle = {
      ready: this.attach(room, userId, route).then(
        (handle) => {
          spare.handle = handle;
          this.routes.set(handle, route);
          return handle;
        },
        (error: unknown) => {
          this.logger.debug({ roomId: room.roomId, userId, err: String(error) }, 'janus could not attach a spare subscriber handle');
          if (room.spares.get(userId) === spare) room.spares.delete(userId);
          return undefined;
        },
      ),
    };
    room.spares.set(userId, spare);
  }

  /** Detaches spare handles that were taken out of a room, once their attach is done. */
  private discardSpares(room: JanusRoom, spares: readonly SpareHandle[]): void {
    for (const spare of spares) {
      void spare.ready.then(async (handle) => {
        if (!handle) return;
        this.routes.delete(handle);
        await this.detachAll([handle], room.roomId);
      });
    }
  }

  /** The session the room lives in; a room from before a reconnect has no media any more. */
  private liveLink(room: JanusRoom): JanusLink {
    const link = this.connection.current();
    if (!link || link.generation !== room.generation) {
      throw new SignalingError('mediaServerUnavailable', `the media server lost room ${room.roomId}; join again`);
    }
    return link;
  }

  private async flushCandidates(room: JanusRoom, user: UserId, link: MediaLink, handle: VideoRoomHandle): Promise<void> {
    for (const candidate of room.takeCandidates(user, link)) {
      await this.trickle(handle, candidate).catch((error: unknown) =>
        this.logger.debug({ roomId: room.roomId, userId: user, err: String(error) }, 'janus refused an early ICE candidate'),
      );
    }
  }

  private trickle(handle: VideoRoomHandle, candidate: IceCandidate): Promise<unknown> {
    if (!candidate.candidate) return this.call('trickle', handle.trickleComplete());
    return this.call(
      'trickle',
      handle.trickle({ candidate: candidate.candidate, sdpMid: candidate.sdpMid ?? null, sdpMLineIndex: candidate.sdpMLineIndex ?? null }),
    );
  }

  private async detachAll(handles: readonly VideoRoomHandle[], roomId: RoomId): Promise<void> {
    if (handles.length === 0 || !this.connection.isUp()) return;
    const results = await Promise.allSettled(handles.map((h) => this.call('detach', h.detach())));
    const failed = results.filter((r) => r.status === 'rejected').length;
    if (failed > 0) this.logger.debug({ roomId, failed }, 'some janus handles were already gone');
  }

  /** One request to Janus, with the deadline and the error translation every call needs. */
  private async call<T>(operation: string, work: Promise<T>, onLate?: (value: T) => void): Promise<T> {
    try {
      return await withTimeout(operation, this.settings.requestTimeoutMs, work, onLate);
    } catch (error) {
      throw toSignalingError(operation, error, this.connection.isUp());
    }
  }

  private connectionLost(reason: string, generation: number): void {
    for (const room of [...this.rooms.values()]) {
      if (room.generation !== generation) continue;
      this.rooms.delete(room.ref);
      this.orphans.add(room.janusRoom);
      this.emit({ type: 'sessionLost', roomId: room.roomId, ref: room.ref, reason: `Janus connection lost: ${reason}` });
    }
  }

  /** After a reconnect to a Janus that survived (only the socket dropped), its old rooms are still there. */
  private async destroyOrphans(link: JanusLink): Promise<void> {
    for (const janusRoom of [...this.orphans]) {
      this.orphans.delete(janusRoom);
      await this.call('destroy room', link.manager.destroy({ room: janusRoom })).catch((error: unknown) => {
        if (!isAlreadyGone(error)) this.logger.debug({ janusRoom, err: String(error) }, 'could not destroy a room left by a lost connection');
      });
    }
  }

  private emit(event: MediaBackendEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error({ err: error, type: event.type }, 'media event listener failed');
      }
    }
  }
}
