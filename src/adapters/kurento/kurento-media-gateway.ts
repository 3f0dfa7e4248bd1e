import {
  PUBLISH,
  SignalingError,
  type IceCandidate,
  type MediaCapabilities,
  type MediaLink,
  type MediaSession,
  type RoomId,
  type UserId,
} from '../../domain';
import type { Logger, MediaBackendEvent, MediaGateway, MediaSignal, RequestId } from '../../application';
import { preferCodecs, sentCodecs, USUAL_CODECS } from './codec-preference';
import { fromKmsEventData, toKmsCandidate } from './ice-candidate-codec';
import type { KmsConnection } from './kms-connection';
import { kmsUnavailable } from './kms-errors';
import { kmsCalls, type KmsCalls } from './kms-media-calls';
import type { KmsEvent } from './kms-rpc-socket';
import { KmsPool } from './kms-pool';
import { resolveKurentoSettings, type KurentoSettings, type ResolvedKurentoSettings } from './kurento-settings';
import { linkKey, RoomMedia, type EndpointRecord } from './room-media';
import { decodeSessionRef, encodeSessionRef } from './session-ref';
import { TypedEvents } from '../shared/typed-events';

const CAPABILITIES: MediaCapabilities = Object.freeze({
  backend: 'kurento',
  publish: true,
  clientOfferedSubscribe: true,
  serverOfferedSubscribe: true,
  peerToPeer: false,
});

/** How long shutdown waits for KMS to release what is left before closing the sockets anyway. */
const SHUTDOWN_RELEASE_MS = 2_000;

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The seed's SFU on Kurento Media Server: one MediaPipeline per room, one outgoing WebRtcEndpoint per
 * participant, and one incoming WebRtcEndpoint per (receiver, sender) pair, connected from the sender's
 * outgoing endpoint. Rooms go to the least loaded KMS and stay there. A socket blip keeps the rooms (the
 * connection resumes its KMS session); when the session itself is lost (KMS restarted or died, or stayed
 * out of reach), every room on it is reported as `sessionLost` at once: its media is gone and the core
 * takes the participants out, so that a fresh join gets a fresh pipeline.
 *
 * Calls for one room arrive serialised by the core's room lock, except trickle ICE, which may arrive at
 * any time; candidates for an endpoint that does not exist yet are buffered.
 */
export class KurentoMediaGateway implements MediaGateway {
  private readonly settings: ResolvedKurentoSettings;
  private readonly pool: KmsPool;
  private readonly rooms = new Map<string, RoomMedia>();
  /** Endpoint id → its room and record, to route KMS events. */
  private readonly endpointRooms = new Map<string, { readonly ref: string; readonly record: EndpointRecord }>();
  private readonly events = new TypedEvents<{ media: [MediaBackendEvent] }>((error, _name, [event]) =>
    this.logger.error({ err: errorText(error), type: event.type }, 'a media event listener threw'),
  );

  constructor(
    settings: KurentoSettings,
    private readonly logger: Logger,
  ) {
    this.settings = resolveKurentoSettings(settings);
    this.pool = new KmsPool(this.settings, logger, {
      onLost: (kms, reason) => this.kmsLost(kms, reason),
      onResumed: (kms) => this.logger.info({ kms: kms.url, rooms: this.load(kms).pipelines }, 'Kurento session resumed; its rooms keep their media'),
      onEvent: (kms, event) => this.kmsEvent(kms, event),
    });
  }

  /** Starts connecting to every KMS; joins wait up to `joinWaitMs` for the first connection. */
  start(): void {
    this.pool.start();
  }

  capabilities(): MediaCapabilities {
    return CAPABILITIES;
  }

  async openSession(roomId: RoomId): Promise<MediaSession> {
    const kms = await this.pool.pick((k) => this.load(k));
    const generation = kms.generation;
    const pipelineId = await kmsCalls(kms).createPipeline();
    if (kms.generation !== generation) {
      // The session was given up while KMS answered: the room would be born lost.
      throw kmsUnavailable(kms.url, 'the KMS session was lost while the pipeline was created');
    }
    const ref = encodeSessionRef(kms.url, pipelineId);
    this.rooms.set(ref, new RoomMedia(roomId, ref, pipelineId, kms, this.settings.maxBufferedCandidates));
    this.logger.info({ roomId, kms: kms.url, pipelineId }, 'Kurento pipeline created');
    return { roomId, backend: 'kurento', ref };
  }

  async closeSession(session: MediaSession): Promise<void> {
    const room = this.rooms.get(session.ref);
    this.rooms.delete(session.ref);
    if (room) for (const r of room.allEndpoints()) this.endpointRooms.delete(r.id);
    const decoded = decodeSessionRef(session.ref);
    const kms = room?.kms ?? (decoded ? this.pool.byUrl(decoded.kmsUrl) : undefined);
    if (!decoded || !kms?.isUp()) {
      this.logger.debug({ roomId: session.roomId, ref: session.ref }, 'no live KMS holds this pipeline; nothing to release');
      return;
    }
    // Releasing the pipeline releases every endpoint in it; KMS answers success for unknown ids.
    await kmsCalls(kms)
      .release(decoded.pipelineId)
      .then(() => this.logger.info({ roomId: session.roomId, kms: kms.url }, 'Kurento pipeline released'))
      .catch((error: unknown) => this.logger.warn({ roomId: session.roomId, err: errorText(error) }, 'releasing a Kurento pipeline failed'));
  }

  async addParticipant(session: MediaSession, userId: UserId): Promise<void> {
    const room = this.room(session);
    const stale = room.outgoingOf(userId);
    if (stale) await this.replaceOutgoing(room, stale);
    else await this.createEndpoint(room, userId, PUBLISH);
  }

  async removeParticipant(session: MediaSession, userId: UserId): Promise<void> {
    const room = this.rooms.get(session.ref);
    if (!room) return; // lost with its KMS: nothing left to free
    const doomed = room.removeParticipant(userId);
    await this.releaseEndpoints(room, doomed);
  }

  async offer(session: MediaSession, from: UserId, link: MediaLink, sdp: string, requestId?: RequestId): Promise<void> {
    const room = this.room(session);
    const endpoint = await this.endpointToNegotiate(room, from, link);
    const calls = kmsCalls(room.kms);
    this.logger.debug({ roomId: room.roomId, userId: from, link, offerBytes: sdp.length }, 'processOffer');
    const answer = await spentIfFailed(endpoint, calls.processOffer(endpoint.id, this.withPublisherCodecs(room, link, sdp)));
    endpoint.negotiation = 'done';
    if (link.kind === 'publish') endpoint.sends = sentCodecs(answer);
    this.emit({ type: 'answer', roomId: room.roomId, to: from, link, sdp: answer, ...(requestId !== undefined ? { requestId } : {}) });
    await this.gatherAfterReply(room, endpoint, calls);
  }

  async requestOffer(session: MediaSession, from: UserId, link: MediaLink, requestId?: RequestId): Promise<void> {
    const room = this.room(session);
    if (link.kind !== 'subscribe') {
      throw new SignalingError('unsupportedFlow', 'kurento: only subscriptions can be offered by the server');
    }
    const endpoint = await this.endpointToNegotiate(room, from, link);
    const calls = kmsCalls(room.kms);
    const offer = this.withPublisherCodecs(room, link, await spentIfFailed(endpoint, calls.generateOffer(endpoint.id)));
    endpoint.negotiation = 'offerGenerated';
    this.emit({ type: 'offer', roomId: room.roomId, to: from, link, sdp: offer, ...(requestId !== undefined ? { requestId } : {}) });
    await this.gatherAfterReply(room, endpoint, calls);
  }

  async answer(session: MediaSession, from: UserId, link: MediaLink, sdp: string): Promise<void> {
    const room = this.room(session);
    const endpoint = room.endpointFor(from, link);
    if (!endpoint || endpoint.negotiation !== 'offerGenerated') {
      throw new SignalingError('mediaBackendError', 'no server offer is waiting for an answer on this link; send subscribe first', {
        kmsErrorType: 'SDP_END_POINT_NOT_OFFER_GENERATED',
      });
    }
    this.logger.debug({ roomId: room.roomId, userId: from, link, answerBytes: sdp.length }, 'processAnswer');
    await spentIfFailed(endpoint, kmsCalls(room.kms).processAnswer(endpoint.id, this.withPublisherCodecs(room, link, sdp)));
    endpoint.negotiation = 'done';
  }

  async addIceCandidate(session: MediaSession, from: UserId, link: MediaLink, candidate: IceCandidate): Promise<void> {
    const room = this.room(session);
    const endpoint = room.endpointFor(from, link);
    if (!endpoint) {
      room.candidates.add(linkKey(from, link), candidate);
      return;
    }
    await kmsCalls(room.kms).addIceCandidate(endpoint.id, toKmsCandidate(candidate));
  }

  onEvent(listener: (event: MediaBackendEvent) => void): void {
    this.events.on('media', listener);
  }

  isAvailable(): boolean {
    return this.pool.isAvailable();
  }

  servers(): { readonly up: number; readonly configured: number } {
    return this.pool.counts();
  }

  async shutdown(): Promise<void> {
    const left = [...this.rooms.values()];
    this.rooms.clear();
    this.endpointRooms.clear();
    const releases = left
      .filter((r) => r.kms.isUp())
      .map((r) => kmsCalls(r.kms).release(r.pipelineId).catch(() => undefined));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(releases), new Promise((resolve) => (timer = setTimeout(resolve, SHUTDOWN_RELEASE_MS)))]);
    clearTimeout(timer);
    this.pool.close();
  }

  // ---- endpoints ----

  /** A subscription's SDP with the codecs its publisher sends listed first, so KMS forwards rather than transcodes. */
  private withPublisherCodecs(room: RoomMedia, link: MediaLink, sdp: string): string {
    if (link.kind !== 'subscribe') return sdp;
    return preferCodecs(sdp, room.outgoingOf(link.publisher)?.sends ?? USUAL_CODECS);
  }

  private room(session: MediaSession): RoomMedia {
    const room = this.rooms.get(session.ref);
    if (!room) {
      throw new SignalingError('mediaServerUnavailable', `the media of room ${session.roomId} was lost with its media server; join again`, {
        roomId: session.roomId,
      });
    }
    return room;
  }

  /**
   * The endpoint a new negotiation of (owner, link) runs on. KMS negotiates an endpoint only once, so a
   * second offer on a link (the client rebuilt its peer connection) gets a fresh endpoint.
   */
  private async endpointToNegotiate(room: RoomMedia, owner: UserId, link: MediaLink): Promise<EndpointRecord> {
    if (link.kind === 'upstream') throw new SignalingError('unsupportedFlow', 'kurento: peer-to-peer links exist only with the mesh backend');
    const current = room.endpointFor(owner, link);
    if (current && current.negotiation === 'none') return current;
    if (link.kind === 'publish') {
      return current ? this.replaceOutgoing(room, current) : this.createEndpoint(room, owner, link);
    }
    const source = room.outgoingOf(link.publisher);
    if (!source) throw new SignalingError('unknownUser', `user ${link.publisher} publishes nothing in room ${room.roomId}`, { userId: link.publisher });
    if (current) {
      room.forget(owner, link, current.id);
      await this.releaseEndpoints(room, [current]);
    }
    return this.createEndpoint(room, owner, link, source.id);
  }

  /**
   * Creates a WebRtcEndpoint for (owner, link), subscribes to its candidates, connects it from `source`,
   * registers it and passes on the candidates the client sent before it existed.
   */
  private async createEndpoint(room: RoomMedia, owner: UserId, link: MediaLink, source?: string): Promise<EndpointRecord> {
    const calls = kmsCalls(room.kms);
    const id = await calls.createWebRtcEndpoint(room.pipelineId);
    try {
      if (this.rooms.get(room.ref) !== room) throw kmsUnavailable(room.kms.url, 'the room was lost while its endpoint was created');
      await calls.subscribe(id, 'IceCandidateFound');
      if (source !== undefined) await calls.connect(source, id);
    } catch (error) {
      calls.release(id).catch(() => undefined);
      throw error;
    }
    const record: EndpointRecord = { id, owner, link, negotiation: 'none' };
    room.set(record);
    this.endpointRooms.set(id, { ref: room.ref, record });
    await this.flushCandidates(room, record, calls);
    return record;
  }

  /**
   * A new outgoing endpoint for a republish, fed to everyone who received the old one. If that fails, the
   * old one stays (its subscribers still hang off it) and the new one goes: left in place, it was reused
   * by the next publish unconnected, and the old one was never released.
   */
  private async replaceOutgoing(room: RoomMedia, old: EndpointRecord): Promise<EndpointRecord> {
    room.forget(old.owner, old.link, old.id);
    let fresh: EndpointRecord | undefined;
    try {
      fresh = await this.createEndpoint(room, old.owner, PUBLISH);
      const calls = kmsCalls(room.kms);
      const source = fresh.id;
      await Promise.all(room.fedBy(old.owner).map((sink) => calls.connect(source, sink.id)));
    } catch (error) {
      if (fresh) {
        room.forget(fresh.owner, fresh.link, fresh.id);
        await this.releaseEndpoints(room, [fresh]);
      }
      if (this.rooms.get(room.ref) === room && !room.endpointFor(old.owner, old.link)) room.set(old);
      throw error;
    }
    await this.releaseEndpoints(room, [old]);
    return fresh;
  }

  /**
   * Starts KMS's ICE gathering on an endpoint whose answer (or offer) already went to the client: that
   * signal carried the requestId, so it was the reply, and a failure here must not become a second one.
   * Without server candidates ICE can never connect, so the link is not left to die silently either:
   * - the endpoint is marked spent, so the client's next offer (or subscribe) on the link gets a fresh
   *   endpoint, and an answer to this endpoint's offer is refused rather than completing a dead link;
   * - the client is told now (`linkFailed`, an `error` without requestId naming the link) rather than left
   *   to notice an ICE failure, which comes only after the browser's ICE timeout and does not say that the
   *   server is at fault.
   * Gathering is not retried on the same endpoint: after a timeout KMS may have started it after all, and
   * a second gathering on one WebRtcEndpoint is not something the tests' KMS 7.3.1 showed to be safe.
   */
  private async gatherAfterReply(room: RoomMedia, endpoint: EndpointRecord, calls: KmsCalls): Promise<void> {
    try {
      await spentIfFailed(endpoint, calls.gatherCandidates(endpoint.id));
    } catch (error) {
      // Lost with its KMS (the loss is handled before this rejection is seen): every member of the room is
      // told mediaServerUnavailable and taken out, and a notice about one link would only add noise.
      if (this.rooms.get(room.ref) !== room) return;
      this.logger.warn({ roomId: room.roomId, userId: endpoint.owner, link: endpoint.link.kind, err: errorText(error) }, 'KMS failed to gather candidates after the reply was sent');
      this.emit({ type: 'linkFailed', roomId: room.roomId, to: endpoint.owner, link: endpoint.link, reason: errorText(error) });
    }
  }

  private async flushCandidates(room: RoomMedia, record: EndpointRecord, calls: KmsCalls): Promise<void> {
    const buffered = room.candidates.take(linkKey(record.owner, record.link));
    if (buffered.length === 0) return;
    const results = await Promise.allSettled(buffered.map((c) => calls.addIceCandidate(record.id, toKmsCandidate(c))));
    const failed = results.filter((r) => r.status === 'rejected').length;
    if (failed > 0) this.logger.warn({ roomId: room.roomId, userId: record.owner, failed }, 'KMS refused buffered ICE candidates');
  }

  /** Best effort: KMS frees the endpoints with the pipeline anyway. */
  private async releaseEndpoints(room: RoomMedia, records: readonly EndpointRecord[]): Promise<void> {
    for (const r of records) this.endpointRooms.delete(r.id);
    if (records.length === 0 || !room.kms.isUp()) return;
    const calls = kmsCalls(room.kms);
    const results = await Promise.allSettled(records.map((r) => calls.release(r.id)));
    results.forEach((result, i) => {
      if (result.status === 'rejected') {
        this.logger.warn({ roomId: room.roomId, endpoint: records[i]?.id, err: errorText(result.reason) }, 'releasing a Kurento endpoint failed');
      }
    });
  }

  // ---- placement and KMS events ----

  /** What this node holds on `kms`: new rooms go where it holds the fewest endpoints. */
  private load(kms: KmsConnection): { endpoints: number; pipelines: number } {
    const rooms = [...this.rooms.values()].filter((r) => r.kms === kms);
    return { endpoints: rooms.reduce((n, r) => n + r.endpointCount, 0), pipelines: rooms.length };
  }

  private kmsLost(kms: KmsConnection, reason: string): void {
    const lost = [...this.rooms.values()].filter((r) => r.kms === kms);
    for (const room of lost) {
      this.rooms.delete(room.ref);
      for (const r of room.allEndpoints()) this.endpointRooms.delete(r.id);
      // If only the socket dropped, KMS still holds the pipeline: free it once reconnected.
      this.pool.orphan(kms, room.pipelineId);
    }
    this.logger.warn({ kms: kms.url, rooms: lost.length, reason }, 'Kurento Media Server lost; its rooms lose their media');
    for (const room of lost) {
      this.emit({ type: 'sessionLost', roomId: room.roomId, ref: room.ref, reason: `media server ${kms.url} lost: ${reason}` });
    }
  }

  private kmsEvent(kms: KmsConnection, event: KmsEvent): void {
    if (event.type !== 'IceCandidateFound') return;
    const entry = this.endpointRooms.get(event.object);
    const room = entry ? this.rooms.get(entry.ref) : undefined;
    if (!entry || !room || room.kms !== kms) return;
    const { record } = entry;
    // A spent endpoint's owner was told its negotiation failed (an error reply, or linkFailed) and makes the
    // link again: candidates KMS still announces for it (a gathering it carried out after the deadline) would
    // go onto that new connection, whose remote end is another endpoint.
    if (record.negotiation === 'spent') return;
    const candidate = fromKmsEventData(event.data);
    if (!candidate) return;
    const signal: MediaSignal = { type: 'candidate', roomId: room.roomId, to: record.owner, link: record.link, candidate };
    this.emit(signal);
  }

  private emit(event: MediaBackendEvent): void {
    this.events.emit('media', event);
  }
}

/** A negotiation call's result; if it fails, the endpoint is marked spent (see Negotiation). */
const spentIfFailed = async <T>(endpoint: EndpointRecord, call: Promise<T>): Promise<T> => {
  try {
    return await call;
  } catch (error) {
    endpoint.negotiation = 'spent';
    throw error;
  }
};
