import { backoffDelay, type BackoffOptions } from '../backoff';
import { SignalingConnection } from '../connection';
import { Emitter } from '../emitter';
import type { ClientMessage, Joined, ServerMessage, WireCandidate } from '../protocol';
import type { RoomClient } from '../room-client';
import { PeerLink } from './peer-link';

export interface CallMediaOptions {
  /** The local camera/microphone; without one (or without a video track) the client watches only (or is audio-only). */
  readonly stream?: MediaStream;
  /** Merged over the ICE servers the server hands out (e.g. `iceTransportPolicy: 'relay'`). */
  readonly rtcConfig?: RTCConfiguration;
  /** For servers without `participantPublished`: how long to wait before asking an SFU again for a member's media. */
  readonly subscribeRetryMs?: number;
  /** Back-off before offering a link again after the server refused its request (default: a random delay up to 1 s, doubling per refusal in a row, capped at 8 s). */
  readonly linkRetry?: BackoffOptions;
  readonly RTCPeerConnection?: typeof RTCPeerConnection;
}

/** What the media layer reports, for a UI and for tests. */
export type MediaEvent =
  | { readonly type: 'renegotiated'; readonly link: string }
  | { readonly type: 'error'; readonly error: Error };

type Events = {
  /** A member's media arrived (or its stream changed). */
  remoteStream: [userId: string, stream: MediaStream];
  /** A member's link closed: it left, or its link is being replaced. */
  remoteGone: [userId: string];
  media: [MediaEvent];
};

const MAX_SUBSCRIBE_ATTEMPTS = 20;
/**
 * Rebuilds of one link after the server's failure notices (linkFailed), in a row, before giving up on it.
 * A media server that fails every link (no usable interface, or so loaded that every gathering times out)
 * would otherwise be answered by a rebuild at once, for ever: a loop of new endpoints on the server that
 * is already failing, and of new connections in the browser.
 */
const MAX_LINK_REBUILDS = 5;
/** A notice this long after the link's previous one is not "in a row": the link may have carried media since. */
const LINK_REBUILD_WINDOW_MS = 30_000;
const DEFAULT_LINK_RETRY: BackoffOptions = { baseMs: 500, maxMs: 8_000 };
/**
 * Refusals a new offer cannot change: the room's backend has no such flow, the member is gone, this client
 * is not in the room. Reported, not retried.
 */
const FINAL_REFUSALS: ReadonlySet<string> = new Set(['unsupportedFlow', 'unknownUser', 'notInRoom', 'forbidden']);

/** A negotiation request of ours the server has not answered yet, and the link it negotiates. */
interface Negotiation {
  /** `self` (the publishing link) or the publisher a receiving link is for (the key of `rebuilds`). */
  readonly name: string;
  readonly link: PeerLink;
}

/**
 * The peer connections of one participant, managed for whichever media backend the room has, chosen from
 * `existingParticipants.media`:
 * - SFU (Janus, Kurento): one publish link (`publish`, the client offers); one link per member it receives,
 *   offered by the server (`subscribe` → `subscribeOffer`) — or offered by the client (`receiveVideoFrom`)
 *   where the server cannot offer. Janus admits subscribers once a publisher is up: `participantPublished`
 *   says when (a slow retry covers servers that do not send it).
 * - mesh: one upstream link per subscriber (the publisher offers when asked: `peerSubscribe`), one
 *   downstream link per publisher.
 * After a resume every link is renegotiated as the backend allows (docs/protocol.md): ICE restarts on the
 * same connections for mesh and Janus, new connections for Kurento.
 */
export class CallMedia extends Emitter<Events> {
  /** Links this client publishes on: `self` (SFU), or one per subscriber (mesh). */
  private readonly up = new Map<string, PeerLink>();
  /** Links this client receives on, per publisher. */
  private readonly down = new Map<string, PeerLink>();
  private readonly members = new Set<string>();
  private readonly pendingSubscribes = new Map<string, string>();
  private readonly subscribeAttempts = new Map<string, number>();
  private readonly retryTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Members the server said have published (`participantPublished`). */
  private readonly published = new Set<string>();
  private readonly streams = new Map<string, MediaStream>();
  /** Failure notices per link (`self` or the publisher), for MAX_LINK_REBUILDS. */
  private readonly rebuilds = new Map<string, { count: number; last: number }>();
  /** Rebuilds waiting out their back-off, per link as in `rebuilds`. */
  private readonly rebuildTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** publish, receiveVideoFrom and subscribeAnswer requests awaiting their reply, by requestId. */
  private readonly negotiations = new Map<string, Negotiation>();
  /**
   * The requestId of each link's newest negotiation (`up:self`, `down:<publisher>`): on an SFU a reply that
   * carries another one answers a request since superseded (the link was made again, or renegotiated) and
   * applying it would put a stale description on the current connection.
   */
  private readonly latest = new Map<string, string>();
  /** The publish connection made ahead during a join, with its offer being created (see preparePublish). */
  private early: PeerLink | undefined;
  private inbox: Promise<void> = Promise.resolve();
  private stream: MediaStream | undefined;
  private readonly unsubscribe: (() => void)[];

  constructor(
    private readonly client: RoomClient,
    private readonly options: CallMediaOptions = {},
  ) {
    super();
    this.stream = options.stream;
    this.unsubscribe = [
      client.on('joined', (joined, how) => this.queue(() => (how.resumed ? this.resumed(joined) : this.entered(joined)))),
      client.on('message', (message) => this.queue(async () => this.handle(message))),
      client.on('left', () => this.queue(async () => this.closeLinks())),
      // A fresh join (not a resume): the publish connection and its offer are made while the join is on
      // its way, so that the offer goes out as soon as the reply says the backend takes one.
      client.on('state', (state) => {
        if (state === 'connecting') this.preparePublish();
      }),
      client.on('sending', (what) => {
        if (what === 'joinRoom') this.preparePublish();
      }),
    ];
  }

  /** The local stream in use (undefined: watching only). */
  get localStream(): MediaStream | undefined {
    return this.stream;
  }

  /** Remote streams by member. */
  get remoteStreams(): ReadonlyMap<string, MediaStream> {
    return this.streams;
  }

  /**
   * Turns the camera or microphone on or off: the local track (so no media flows) and the state the others
   * see (so they show it), kept for a rejoin.
   */
  async setEnabled(kind: 'video' | 'audio', enabled: boolean): Promise<void> {
    const tracks = kind === 'video' ? this.stream?.getVideoTracks() : this.stream?.getAudioTracks();
    for (const track of tracks ?? []) track.enabled = enabled;
    await this.client.setMediaState(kind, enabled && (tracks?.length ?? 0) > 0);
  }

  /**
   * Swaps the local stream (another camera or microphone) without renegotiating: each sending link gets
   * the new tracks (`replaceTrack`). A first stream after watching only is published.
   */
  async replaceStream(stream: MediaStream | undefined): Promise<void> {
    const previous = this.stream;
    this.stream = stream;
    if (!previous && stream && this.client.inRoom) {
      if (this.client.media?.publish) await this.queue(() => this.publish());
      return;
    }
    for (const link of this.up.values()) {
      for (const sender of link.pc.getSenders()) {
        const kind = sender.track?.kind;
        const next = kind === undefined ? undefined : stream?.getTracks().find((t) => t.kind === kind);
        await sender.replaceTrack(next ?? null);
      }
    }
  }

  /** Decoded video frames per member, from the receiving links' stats. */
  async framesDecoded(): Promise<Record<string, number>> {
    const result: Record<string, number> = {};
    for (const [publisher, link] of this.down) {
      (await link.pc.getStats()).forEach((s: { type: string; kind?: string; framesDecoded?: number }) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') result[publisher] = (result[publisher] ?? 0) + (s.framesDecoded ?? 0);
      });
    }
    return result;
  }

  /** Each link's identity and ICE username fragment: a restarted link keeps its id and changes its ufrag. */
  linkIdentities(): Record<string, { id: number; ufrag: string }> {
    const out: Record<string, { id: number; ufrag: string }> = {};
    const describe = (name: string, link: PeerLink): void => {
      out[name] = { id: link.id, ufrag: /a=ice-ufrag:(\S+)/.exec(link.pc.localDescription?.sdp ?? '')?.[1] ?? '' };
    };
    for (const [name, link] of this.up) describe(`up:${name}`, link);
    for (const [name, link] of this.down) describe(`down:${name}`, link);
    return out;
  }

  /** Every link's RTCPeerConnection: `up:self` or `up:<subscriber>` (sending), `down:<publisher>` (receiving). */
  connections(): Record<string, RTCPeerConnection> {
    const out: Record<string, RTCPeerConnection> = {};
    for (const [name, link] of this.up) out[`up:${name}`] = link.pc;
    for (const [name, link] of this.down) out[`down:${name}`] = link.pc;
    return out;
  }

  /** Every receiving link's RTCPeerConnection, by member (for stats, e.g. audio levels). */
  receivers(): ReadonlyMap<string, RTCPeerConnection> {
    return new Map([...this.down].map(([userId, link]) => [userId, link.pc]));
  }

  /** Closes every link and stops listening to the client. */
  close(): void {
    for (const off of this.unsubscribe) off();
    this.closeLinks();
  }

  // ---- ordering ----

  /** One thing at a time, in arrival order: an offer is applied before the candidates that follow it. */
  private queue(work: () => Promise<void>): Promise<void> {
    this.inbox = this.inbox.then(work).catch((error: unknown) => this.emit('media', { type: 'error', error: error instanceof Error ? error : new Error(String(error)) }));
    return this.inbox;
  }

  private handle(m: ServerMessage): Promise<void> | void {
    const self = this.client.userId;
    switch (m.id) {
      case 'newParticipantArrived':
        this.members.add(m.member.userId);
        return this.receiveFrom(m.member.userId);
      case 'participantLeft':
        return this.forget(m.userId);
      case 'participantPublished':
        return this.publishedNow(m.userId);
      case 'receiveVideoAnswer': {
        const name = m.userId === self ? 'self' : m.userId;
        const link = m.userId === self ? this.up.get('self') : this.down.get(m.userId);
        if (!link || this.superseded(m.userId === self ? 'up:self' : `down:${name}`, m.requestId)) return;
        return link.answered(m.sdpAnswer).then(() => this.emit('media', { type: 'renegotiated', link: m.userId === self ? 'up:self' : `down:${name}` }));
      }
      case 'subscribeOffer':
        if (this.superseded(`down:${m.userId}`, m.requestId)) return;
        return this.offered(m.userId, m.sdpOffer);
      case 'iceCandidate': {
        const link = m.userId === self ? this.up.get('self') : this.down.get(m.userId);
        return link?.candidate(m.candidate as RTCIceCandidateInit);
      }
      case 'peerSubscribe':
        return this.offerUpstream(m.userId);
      case 'peerOffer':
        return this.answerUpstream(m.userId, m.sdpOffer);
      case 'peerAnswer': {
        const link = this.up.get(m.userId);
        if (!link) return;
        return link.answered(m.sdpAnswer).then(() => this.emit('media', { type: 'renegotiated', link: `up:${m.userId}` }));
      }
      case 'peerIceCandidate':
        return this.up.get(m.userId)?.candidate(m.candidate as RTCIceCandidateInit);
      case 'ack':
        if (typeof m.requestId === 'string') this.negotiations.delete(m.requestId);
        return;
      case 'error':
        if (m.requestId === undefined) return this.linkFailed(m);
        if (typeof m.requestId === 'string' && this.negotiations.has(m.requestId)) return this.negotiationRefused(m.requestId, m.code);
        return this.refused(typeof m.requestId === 'string' ? m.requestId : undefined);
      default:
        return;
    }
  }

  // ---- joining and resuming ----

  /** A fresh join (the first, or after a resume was refused): everything starts anew. */
  private async entered(joined: Joined): Promise<void> {
    const early = this.early;
    this.early = undefined;
    this.closeLinks();
    this.early = joined.media.publish ? early : (early?.close(), undefined);
    this.members.clear();
    this.published.clear();
    for (const member of joined.members) this.members.add(member.userId);
    if (joined.media.publish) await this.publish();
    for (const member of joined.members) await this.receiveFrom(member.userId);
  }

  /** A resume: who left meanwhile is gone, who arrived is new, and every link of ours is renegotiated. */
  private async resumed(joined: Joined): Promise<void> {
    const present = new Set(joined.members.map((m) => m.userId));
    for (const userId of [...this.members]) if (!present.has(userId)) this.forget(userId);
    const arrived = [...present].filter((userId) => !this.members.has(userId));
    for (const userId of present) this.members.add(userId);
    await this.renegotiate(joined);
    for (const userId of arrived) await this.receiveFrom(userId);
  }

  private async renegotiate(joined: Joined): Promise<void> {
    const caps = joined.media;
    if (caps.peerToPeer) {
      for (const [subscriber, link] of this.up) this.client.send({ id: 'peerOffer', userId: subscriber, sdpOffer: await link.offer({ iceRestart: true }) });
      for (const publisher of this.down.keys()) this.askToReceive(publisher);
      return;
    }
    if (caps.backend === 'kurento') {
      // KMS negotiates an endpoint once: new links replace the old ones (the server feeds the others'
      // existing subscriptions from the new publish endpoint).
      const publishers = [...this.down.keys()];
      this.closeLinks();
      if (caps.publish) await this.publish();
      for (const publisher of publishers) await this.receiveFrom(publisher);
      return;
    }
    const own = this.up.get('self');
    if (own) this.negotiate('self', own, { id: 'publish', sdpOffer: await own.offer({ iceRestart: true }) });
    else if (caps.publish) await this.publish();
    for (const publisher of this.down.keys()) this.askToReceive(publisher);
  }

  // ---- links ----

  private config(): RTCConfiguration {
    return { iceServers: [...this.client.iceServers].map((s) => ({ ...s, urls: [...s.urls] })), ...this.options.rtcConfig };
  }

  private newLink(onCandidate: (candidate: WireCandidate) => void): PeerLink {
    return new PeerLink(this.config(), onCandidate, this.options.RTCPeerConnection);
  }

  private async publish(): Promise<void> {
    const stream = this.stream;
    if (!stream || stream.getTracks().length === 0) return; // watching only
    this.up.get('self')?.close();
    const link = this.takeEarly(stream) ?? this.publishLink(stream);
    this.up.set('self', link);
    this.negotiate('self', link, { id: 'publish', sdpOffer: await link.offer() });
  }

  private publishLink(stream: MediaStream): PeerLink {
    const self = this.client.userId;
    const link = this.newLink((candidate) => this.client.send({ id: 'onIceCandidate', userId: self, candidate }));
    for (const track of stream.getTracks()) link.pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
    return link;
  }

  /**
   * Makes the publish connection and starts creating its offer while a join is on its way (building a
   * connection and an offer takes the browser tens of milliseconds, on the path to everyone's first frame
   * of this participant). Unused when the backend takes no publish offer (mesh) or the join fails.
   */
  private preparePublish(): void {
    const stream = this.stream;
    if (this.early || this.client.inRoom || !stream || stream.getTracks().length === 0) return;
    if (this.client.media && !this.client.media.publish) return; // rejoining a room known to be peer-to-peer
    this.early = this.publishLink(stream);
    void this.early.prepareOffer();
  }

  /** The connection preparePublish made, if it sends this same stream; its ICE servers are the join reply's. */
  private takeEarly(stream: MediaStream): PeerLink | undefined {
    const early = this.early;
    this.early = undefined;
    if (!early) return undefined;
    const tracks = stream.getTracks();
    const sent = early.pc.getSenders().map((s) => s.track);
    try {
      if (sent.length !== tracks.length || !tracks.every((t) => sent.includes(t))) throw new Error('the stream changed');
      early.pc.setConfiguration({ ...early.pc.getConfiguration(), ...this.config() });
      return early;
    } catch {
      early.close();
      return undefined;
    }
  }

  private dropEarly(): void {
    this.early?.close();
    this.early = undefined;
  }

  private async receiveFrom(publisher: string): Promise<void> {
    const caps = this.client.media;
    if (!caps) return;
    if (caps.serverOfferedSubscribe) {
      // The connection is made now, before the server's offer: building one (its DTLS certificate, its
      // transports) then no longer delays the answer, which is on the path to the member's first frame.
      if (!this.down.has(publisher)) this.downLink(publisher);
      this.askToReceive(publisher);
      return;
    }
    const link = this.downLink(publisher);
    link.pc.addTransceiver('audio', { direction: 'recvonly' });
    link.pc.addTransceiver('video', { direction: 'recvonly' });
    this.negotiate(publisher, link, { id: 'receiveVideoFrom', userId: publisher, sdpOffer: await link.offer() });
  }

  /**
   * Sends a request that negotiates a link, with a requestId: a refusal (`mediaBackendError` when Kurento
   * timed out, `mediaServerUnavailable` when Janus did) then names it, and is answered by making the link
   * again (negotiationRefused). Without one the refusal could not be told from a notice about the whole
   * room: the link stayed dead, or (mediaServerUnavailable) RoomClient took the room as lost and rejoined.
   */
  private negotiate(name: string, link: PeerLink, message: ClientMessage): void {
    const requestId = SignalingConnection.nextRequestId();
    this.negotiations.set(requestId, { name, link });
    if (message.id !== 'subscribeAnswer') this.latest.set(name === 'self' ? 'up:self' : `down:${name}`, requestId);
    this.client.send({ ...message, requestId });
  }

  /** Whether a reply carries the requestId of a request on `key` that a newer one replaced (SFU only). */
  private superseded(key: string, requestId: string | number | undefined): boolean {
    if (typeof requestId === 'string') this.negotiations.delete(requestId);
    // A mesh relays the peer's requestId, not one of ours; a server without requestIds sends none.
    if (requestId === undefined || this.client.media?.peerToPeer) return false;
    return this.latest.get(key) !== requestId;
  }

  private askToReceive(publisher: string): void {
    this.clearRetry(publisher);
    const requestId = SignalingConnection.nextRequestId();
    this.pendingSubscribes.set(requestId, publisher);
    this.latest.set(`down:${publisher}`, requestId);
    this.client.send({ id: 'subscribe', userId: publisher, requestId });
  }

  /**
   * A subscription was refused: on an SFU, most often because the member has not published yet. Ask again
   * when the server says it has (`participantPublished`), or after a while for servers that never say.
   */
  private refused(requestId: string | undefined): void {
    const publisher = requestId === undefined ? undefined : this.pendingSubscribes.get(requestId);
    if (publisher === undefined) return;
    this.pendingSubscribes.delete(requestId!);
    if (!this.members.has(publisher)) return;
    const attempt = (this.subscribeAttempts.get(publisher) ?? 0) + 1;
    this.subscribeAttempts.set(publisher, attempt);
    if (attempt > MAX_SUBSCRIBE_ATTEMPTS) {
      this.emit('media', { type: 'error', error: new Error(`could not receive ${publisher}'s media`) });
      return;
    }
    if (this.published.has(publisher)) {
      // Published meanwhile (the event overtook our refusal): at once.
      this.askToReceive(publisher);
      return;
    }
    this.retryTimers.set(
      publisher,
      setTimeout(() => {
        this.retryTimers.delete(publisher);
        if (this.members.has(publisher) && !this.down.get(publisher)?.negotiated) this.askToReceive(publisher);
      }, this.options.subscribeRetryMs ?? 1_500),
    );
  }

  /**
   * The server says a link it already answered cannot carry media (an `error` without requestId naming the
   * link: the media server failed after its reply, docs/protocol.md). The link is made again at once rather
   * than left to the browser's ICE timeout; a new connection, since the server's end of the old one is gone.
   */
  private async linkFailed(m: ServerMessage & { id: 'error' }): Promise<void> {
    const details = m.details as { link?: unknown; userId?: unknown } | undefined;
    if (m.code !== 'mediaBackendError' || typeof details?.userId !== 'string' || !this.client.inRoom) return;
    if (details.link === 'publish' && details.userId === this.client.userId) {
      if (this.up.has('self') && this.mayRebuild('self') !== undefined) await this.publish();
      return;
    }
    const publisher = details.userId;
    if (details.link !== 'subscribe' || !this.members.has(publisher)) return;
    if (this.mayRebuild(publisher) !== undefined) await this.receiveAgain(publisher);
  }

  /**
   * The server refused a request negotiating a link (the media server failed or timed out on it): the
   * link is made again on a new connection — the server's end of it is gone or was never made — after a
   * back-off, since a media server that just timed out is likely still loaded. Counted with the linkFailed
   * notices (MAX_LINK_REBUILDS in a row), so the two causes together cannot loop either.
   */
  private negotiationRefused(requestId: string, code: string): void {
    const refused = this.negotiations.get(requestId);
    this.negotiations.delete(requestId);
    if (!refused) return;
    const { name, link } = refused;
    const current = name === 'self' ? this.up.get('self') : this.down.get(name);
    // A request for a link replaced since (or a member gone): its refusal concerns nothing that is left.
    if (current !== link || !this.client.inRoom || (name !== 'self' && !this.members.has(name))) return;
    if (FINAL_REFUSALS.has(code)) {
      this.emit('media', { type: 'error', error: new Error(`the server refused ${whatLink(name)} (${code})`) });
      return;
    }
    const count = this.mayRebuild(name);
    if (count === undefined) return;
    cancelTimer(this.rebuildTimers, name);
    this.rebuildTimers.set(
      name,
      setTimeout(() => {
        this.rebuildTimers.delete(name);
        void this.queue(async () => {
          const now = name === 'self' ? this.up.get('self') : this.down.get(name);
          if (now !== link || !this.client.inRoom) return; // replaced meanwhile (a resume, a linkFailed)
          if (name === 'self') await this.publish();
          else if (this.members.has(name)) await this.receiveAgain(name);
        });
      }, backoffDelay(count, this.options.linkRetry ?? DEFAULT_LINK_RETRY)),
    );
  }

  /** Receives `publisher` on a new connection, the old one closed. */
  private async receiveAgain(publisher: string): Promise<void> {
    this.dropDownLink(publisher);
    await this.receiveFrom(publisher);
  }

  /** Closes the link receiving `publisher`; the app hears its stream is gone. */
  private dropDownLink(publisher: string): void {
    const down = this.down.get(publisher);
    down?.close();
    this.down.delete(publisher);
    if (down || this.streams.has(publisher)) {
      this.streams.delete(publisher);
      this.emit('remoteGone', publisher);
    }
  }

  /**
   * Whether a failed link may be made again: the rebuild's number in a row, or undefined past
   * MAX_LINK_REBUILDS (reported once instead).
   */
  private mayRebuild(name: string): number | undefined {
    const now = Date.now();
    const previous = this.rebuilds.get(name);
    const count = previous && now - previous.last < LINK_REBUILD_WINDOW_MS ? previous.count + 1 : 1;
    this.rebuilds.set(name, { count, last: now });
    if (count <= MAX_LINK_REBUILDS) return count;
    if (count === MAX_LINK_REBUILDS + 1) {
      this.emit('media', { type: 'error', error: new Error(`the media server failed ${whatLink(name)} ${MAX_LINK_REBUILDS + 1} times in a row; not making it again`) });
    }
    return undefined;
  }

  private publishedNow(publisher: string): void {
    this.published.add(publisher);
    if (!this.members.has(publisher) || !this.retryTimers.has(publisher)) return;
    // A refused subscription waits for this: ask again now.
    this.askToReceive(publisher);
  }

  private clearRetry(publisher: string): void {
    cancelTimer(this.retryTimers, publisher);
  }

  private downLink(publisher: string): PeerLink {
    const previous = this.down.get(publisher);
    if (previous) {
      previous.close();
      this.streams.delete(publisher);
      this.emit('remoteGone', publisher);
    }
    const link = this.newLink((candidate) => this.client.send({ id: 'onIceCandidate', userId: publisher, candidate }));
    link.pc.ontrack = (event) => {
      const stream = event.streams[0] ?? this.streams.get(publisher) ?? new MediaStream();
      if (!stream.getTracks().includes(event.track)) stream.addTrack(event.track);
      this.streams.set(publisher, stream);
      this.emit('remoteStream', publisher, stream);
    };
    this.down.set(publisher, link);
    return link;
  }

  /** The server (or, in a mesh, the publisher) offers `publisher`'s media: on the link there is, if any. */
  private async offered(publisher: string, sdp: string): Promise<void> {
    const link = this.down.get(publisher) ?? this.downLink(publisher);
    this.subscribeAttempts.delete(publisher);
    this.clearRetry(publisher);
    for (const [requestId, p] of this.pendingSubscribes) if (p === publisher) this.pendingSubscribes.delete(requestId);
    // Janus drops DTLS packets that reach it before it starts its own handshake, which it does once its
    // ICE is up (dtls.c, "Handshake not started yet"). As the DTLS client (a=setup:active, what browsers
    // answer) a browser's ClientHello usually gets there first, after the browser's ICE but before
    // Janus's, and the handshake waits for the browser's retransmission. As the server (passive), the
    // browser lets Janus start the handshake when Janus is ready.
    const dtlsPassive = this.client.media?.backend === 'janus';
    const sdpAnswer = await link.answer(sdp, undefined, { dtlsPassive });
    // A mesh relays the answer to the publishing peer, which the refusal of a relay cannot help.
    if (this.client.media?.peerToPeer) this.client.send({ id: 'subscribeAnswer', userId: publisher, sdpAnswer });
    else this.negotiate(publisher, link, { id: 'subscribeAnswer', userId: publisher, sdpAnswer });
    this.emit('media', { type: 'renegotiated', link: `down:${publisher}` });
  }

  /** Mesh: `subscriber` asks for this client's media; a link it already has is restarted, not replaced. */
  private async offerUpstream(subscriber: string): Promise<void> {
    const stream = this.stream;
    let link = this.up.get(subscriber);
    const restart = link !== undefined;
    if (!link) {
      if (!stream || stream.getTracks().length === 0) return; // watching only: nothing to offer
      link = this.newLink((candidate) => this.client.send({ id: 'peerIceCandidate', userId: subscriber, candidate }));
      this.up.set(subscriber, link);
      for (const track of stream.getTracks()) link.pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
    }
    this.client.send({ id: 'peerOffer', userId: subscriber, sdpOffer: await link.offer(restart ? { iceRestart: true } : {}) });
  }

  /** Mesh, seed dialect: a subscriber offered to receive this client's media; answer with its tracks. */
  private async answerUpstream(subscriber: string, sdp: string): Promise<void> {
    this.up.get(subscriber)?.close();
    const link = this.newLink((candidate) => this.client.send({ id: 'peerIceCandidate', userId: subscriber, candidate }));
    this.up.set(subscriber, link);
    const stream = this.stream;
    const sdpAnswer = await link.answer(sdp, () => {
      for (const track of stream?.getTracks() ?? []) link.pc.addTrack(track, stream!);
    });
    this.client.send({ id: 'peerAnswer', userId: subscriber, sdpAnswer });
  }

  private forget(userId: string): void {
    this.members.delete(userId);
    this.published.delete(userId);
    this.clearRetry(userId);
    this.subscribeAttempts.delete(userId);
    this.rebuilds.delete(userId);
    cancelTimer(this.rebuildTimers, userId);
    this.latest.delete(`down:${userId}`);
    for (const [requestId, n] of this.negotiations) if (n.name === userId) this.negotiations.delete(requestId);
    this.up.get(userId)?.close();
    this.up.delete(userId);
    this.dropDownLink(userId);
  }

  private closeLinks(): void {
    this.dropEarly();
    for (const link of [...this.up.values(), ...this.down.values()]) link.close();
    for (const timer of this.retryTimers.values()) clearTimeout(timer);
    this.retryTimers.clear();
    this.pendingSubscribes.clear();
    this.subscribeAttempts.clear();
    this.rebuilds.clear();
    for (const timer of this.rebuildTimers.values()) clearTimeout(timer);
    this.rebuildTimers.clear();
    this.negotiations.clear();
    this.latest.clear();
    const gone = [...this.down.keys()];
    this.up.clear();
    this.down.clear();
    this.streams.clear();
    for (const userId of gone) this.emit('remoteGone', userId);
  }
}

const whatLink = (name: string): string => (name === 'self' ? 'the publishing link' : `the link receiving ${name}`);

/** Clears the timer kept under `key`, if any. */
const cancelTimer = <K>(timers: Map<K, ReturnType<typeof setTimeout>>, key: K): void => {
  const timer = timers.get(key);
  if (timer !== undefined) clearTimeout(timer);
  timers.delete(key);
};
