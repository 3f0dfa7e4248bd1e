/*
 * A browser call client that keeps its seat through a network blip: it joins resumable, and when its
 * connection to the signaling server is lost (the socket closed, or the browser went offline) it reconnects,
 * sends `resumeSession` with its token and renegotiates its media links without anyone rejoining:
 *
 * - mesh: it restarts ICE on the links it publishes on (a `peerOffer` with an ICE-restart offer) and asks
 *   each publisher it receives from to do the same (`subscribe`: the publisher restarts its link to it);
 * - Janus: an ICE-restart offer on its publish link (`publish`), and `subscribe` for each subscription, which
 *   Janus answers with an ICE-restart offer for the same PeerConnection;
 * - Kurento: KMS cannot renegotiate an endpoint, so it makes new links: a new publish PeerConnection (the
 *   server feeds everyone's existing subscription from it) and a new one per subscription.
 *
 * Only what the protocol needs (docs/protocol.md); meant to be lifted into a client library.
 */
import type { CallEvent } from './call-event';

export type { CallEvent } from './call-event';

export interface MediaCaps {
  readonly backend: string;
  readonly publish: boolean;
  readonly clientOfferedSubscribe: boolean;
  readonly serverOfferedSubscribe: boolean;
  readonly peerToPeer: boolean;
}

export interface ResumingCallOptions {
  /** The signaling server's WebSocket endpoint. */
  readonly url: string;
  readonly roomId: string;
  readonly userId: string;
  readonly communityId?: string;
  readonly stream: MediaStream;
  /** Merged over the ICE servers the server hands out (e.g. `iceTransportPolicy: 'relay'`). */
  readonly rtcConfig?: RTCConfiguration;
  /** Between reconnection attempts. */
  readonly retryMs?: number;
}

type Wire = Record<string, unknown> & { id: string };

/** One RTCPeerConnection and the remote candidates that arrived before its remote description. */
let links = 0;

class Link {
  readonly id = (links += 1);
  readonly pc: RTCPeerConnection;
  private waiting: RTCIceCandidateInit[] = [];
  /** An offer of ours is out: candidates for the new ICE generation wait for its answer. */
  private offering = false;

  constructor(config: RTCConfiguration, onCandidate: (candidate: RTCIceCandidateInit) => void) {
    this.pc = new RTCPeerConnection(config);
    this.pc.onicecandidate = (event) => {
      if (event.candidate) onCandidate(event.candidate.toJSON());
    };
  }

  async offer(options: RTCOfferOptions = {}): Promise<string> {
    this.offering = true;
    await this.pc.setLocalDescription(await this.pc.createOffer(options));
    return this.pc.localDescription?.sdp ?? '';
  }

  async answered(sdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
    this.offering = false;
    await this.flush();
  }

  /** Answers an offer, on this same connection when it had one before (a renegotiation). */
  async answer(sdp: string): Promise<string> {
    await this.pc.setRemoteDescription({ type: 'offer', sdp });
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    await this.flush();
    return this.pc.localDescription?.sdp ?? '';
  }

  async candidate(candidate: RTCIceCandidateInit): Promise<void> {
    if (!this.pc.remoteDescription || this.offering) {
      this.waiting.push(candidate);
      return;
    }
    // A candidate of the previous ICE generation may trail a restart: nothing is lost by dropping it.
    await this.pc.addIceCandidate(candidate).catch(() => undefined);
  }

  close(): void {
    this.pc.close();
  }

  private async flush(): Promise<void> {
    for (const candidate of this.waiting.splice(0)) await this.pc.addIceCandidate(candidate).catch(() => undefined);
  }
}

export class ResumingCall {
  readonly events: CallEvent[] = [];
  /** The links this client publishes on: one to the SFU (`self`), or one per subscriber (mesh). */
  private readonly up = new Map<string, Link>();
  /** The links this client receives on, per publisher. */
  private readonly down = new Map<string, Link>();
  private readonly members = new Set<string>();
  private readonly subscribeRetries = new Map<string, number>();
  private socket: WebSocket | undefined;
  private caps: MediaCaps | undefined;
  private token: string | undefined;
  private iceServers: RTCIceServer[] = [];
  private inbox: Promise<void> = Promise.resolve();
  private requestSeq = 0;
  private readonly pendingSubscribes = new Map<string, string>();
  private leaving = false;
  /** Reconnection attempts since the connection was last good. */
  private attempts = 0;
  private online = true;
  state: 'idle' | 'joined' | 'reconnecting' | 'left' = 'idle';

  constructor(private readonly options: ResumingCallOptions) {
    // The browser knows its network went away before any socket times out: treat it as a lost connection.
    window.addEventListener('offline', () => {
      this.online = false;
      this.socket?.close();
    });
    window.addEventListener('online', () => {
      this.online = true;
      if (this.state === 'reconnecting') this.reconnectSoon(0);
    });
  }

  join(): void {
    this.connect({ id: 'joinRoom', userId: this.options.userId, roomId: this.options.roomId, communityId: this.options.communityId ?? '0', resumable: true });
  }

  leave(): void {
    this.leaving = true;
    this.send({ id: 'leaveRoom' });
    this.closeLinks();
    this.socket?.close();
    this.state = 'left';
  }

  /** What a lost network does to the signaling connection, for tests: the socket is gone, the call is not. */
  dropConnection(): void {
    this.socket?.close();
  }

  async framesDecoded(): Promise<Record<string, number>> {
    const result: Record<string, number> = {};
    for (const [publisher, link] of this.down) {
      (await link.pc.getStats()).forEach((s: { type: string; kind?: string; framesDecoded?: number }) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') result[publisher] = (result[publisher] ?? 0) + (s.framesDecoded ?? 0);
      });
    }
    return result;
  }

  /** The ICE servers the server handed out with the last join or resume. */
  servers(): RTCIceServer[] {
    return this.iceServers;
  }

  /** Per link, the candidate types (local/remote) of the pair ICE selected, e.g. `relay/relay`. */
  async selectedPairs(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    const links: [string, Link][] = [...[...this.up].map(([n, l]): [string, Link] => [`up:${n}`, l]), ...[...this.down].map(([n, l]): [string, Link] => [`down:${n}`, l])];
    for (const [name, link] of links) {
      const stats = await link.pc.getStats();
      const byId = new Map<string, { type: string; candidateType?: string }>();
      stats.forEach((s: { id: string; type: string; candidateType?: string }) => byId.set(s.id, s));
      stats.forEach((s: { type: string; selected?: boolean; nominated?: boolean; state?: string; localCandidateId?: string; remoteCandidateId?: string }) => {
        if (s.type !== 'candidate-pair' || s.state !== 'succeeded' || !s.nominated) return;
        out[name] = `${byId.get(s.localCandidateId ?? '')?.candidateType ?? '?'}/${byId.get(s.remoteCandidateId ?? '')?.candidateType ?? '?'}`;
      });
    }
    return out;
  }

  /** Each link's identity and ICE username fragment: a restarted link keeps its id and changes its ufrag. */
  linkIdentities(): Record<string, { id: number; ufrag: string }> {
    const out: Record<string, { id: number; ufrag: string }> = {};
    const describe = (name: string, link: Link): void => {
      out[name] = { id: link.id, ufrag: /a=ice-ufrag:(\S+)/.exec(link.pc.localDescription?.sdp ?? '')?.[1] ?? '' };
    };
    for (const [name, link] of this.up) describe(`up:${name}`, link);
    for (const [name, link] of this.down) describe(`down:${name}`, link);
    return out;
  }

  // ---- the connection ----

  private connect(first: Wire): void {
    const socket = new WebSocket(this.options.url);
    this.socket = socket;
    socket.onopen = () => socket.send(JSON.stringify(first));
    socket.onmessage = (event) => {
      const message = JSON.parse(String(event.data)) as Wire;
      // One message at a time, in order: an offer is applied before the candidates that follow it.
      this.inbox = this.inbox.then(() => this.handle(message)).catch((error: unknown) => this.note('error', String(error)));
    };
    socket.onclose = () => {
      if (this.socket !== socket || this.leaving) return;
      this.socket = undefined;
      if (this.state === 'joined') this.note('connectionLost');
      if (this.state !== 'idle') this.state = 'reconnecting';
      if (this.token === undefined) return;
      // At once the first time (the network may be fine: only this socket died), then every retryMs.
      this.reconnectSoon(this.attempts === 0 ? 0 : (this.options.retryMs ?? 250));
      this.attempts += 1;
    };
  }

  private reconnectSoon(delayMs: number): void {
    setTimeout(() => {
      if (this.state !== 'reconnecting' || this.socket || !this.online || this.token === undefined) return;
      this.connect({ id: 'resumeSession', resumeToken: this.token });
    }, delayMs);
  }

  private send(message: Wire): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private note(type: CallEvent['type'], detail?: string): void {
    this.events.push({ type, at: performance.now(), ...(detail !== undefined ? { detail } : {}) });
  }

  private config(): RTCConfiguration {
    return { iceServers: this.iceServers, ...this.options.rtcConfig };
  }

  // ---- what the server says ----

  private async handle(m: Wire): Promise<void> {
    if (m.id === 'participantLeft' || m.id === 'participantReconnecting' || m.id === 'participantReconnected') this.note('member', `${m.id}:${String(m.userId)}`);
    switch (m.id) {
      case 'existingParticipants':
        return this.entered(m);
      case 'newParticipantArrived': {
        const userId = (m.member as { userId: string }).userId;
        this.members.add(userId);
        return this.receiveFrom(userId);
      }
      case 'participantLeft':
        return this.forget(String(m.userId));
      case 'receiveVideoAnswer': {
        const link = m.userId === this.options.userId ? this.up.get('self') : this.down.get(String(m.userId));
        await link?.answered(String(m.sdpAnswer));
        if (link) this.note('renegotiated', m.userId === this.options.userId ? 'up:self' : `down:${String(m.userId)}`);
        return;
      }
      case 'subscribeOffer':
        return this.offered(String(m.userId), String(m.sdpOffer));
      case 'iceCandidate': {
        const link = m.userId === this.options.userId ? this.up.get('self') : this.down.get(String(m.userId));
        return link?.candidate(m.candidate as RTCIceCandidateInit);
      }
      case 'peerSubscribe':
        return this.offerUpstream(String(m.userId));
      case 'peerAnswer': {
        const link = this.up.get(String(m.userId));
        await link?.answered(String(m.sdpAnswer));
        if (link) this.note('renegotiated', `up:${String(m.userId)}`);
        return;
      }
      case 'peerIceCandidate':
        return this.up.get(String(m.userId))?.candidate(m.candidate as RTCIceCandidateInit);
      case 'error':
        return this.refused(m);
      default:
        return;
    }
  }

  private async entered(m: Wire): Promise<void> {
    const resumed = m.resumed === true;
    this.caps = m.media as MediaCaps;
    this.token = (m.session as { resumeToken?: string } | undefined)?.resumeToken;
    if (Array.isArray(m.iceServers)) this.iceServers = m.iceServers as RTCIceServer[];
    const present = new Set((m.members as { userId: string }[]).map((member) => member.userId));
    const wasJoined = this.state !== 'idle';
    this.state = 'joined';
    this.attempts = 0;
    if (resumed) {
      this.note('resumed');
      // Whoever left while this client was away is gone; whoever arrived is new.
      for (const userId of [...this.members]) if (!present.has(userId)) this.forget(userId);
      const arrived = [...present].filter((userId) => !this.members.has(userId));
      for (const userId of present) this.members.add(userId);
      await this.renegotiate();
      for (const userId of arrived) await this.receiveFrom(userId);
      return;
    }
    // A fresh join (the first, or after a resume was refused): everything starts anew.
    this.closeLinks();
    this.members.clear();
    for (const userId of present) this.members.add(userId);
    this.note(wasJoined ? 'rejoined' : 'joined');
    if (this.caps.publish) await this.publish();
    for (const userId of present) await this.receiveFrom(userId);
  }

  private async refused(m: Wire): Promise<void> {
    const publisher = m.requestId === undefined ? undefined : this.pendingSubscribes.get(String(m.requestId));
    if (publisher !== undefined) {
      // Janus lets subscribers in only once the publisher's media is up: try again shortly.
      this.pendingSubscribes.delete(String(m.requestId));
      const attempt = (this.subscribeRetries.get(publisher) ?? 0) + 1;
      this.subscribeRetries.set(publisher, attempt);
      if (attempt <= 40 && this.members.has(publisher)) setTimeout(() => this.askToReceive(publisher), 250);
      return;
    }
    if (m.code === 'resumeFailed') {
      // The seat is gone (grace over, or the room moved without it): join afresh.
      this.note('resumeFailed');
      this.token = undefined;
      this.send({ id: 'joinRoom', userId: this.options.userId, roomId: this.options.roomId, communityId: this.options.communityId ?? '0', resumable: true });
      return;
    }
    this.note('error', `${String(m.code)}: ${String(m.message)}`);
  }

  // ---- media links ----

  /** After a resume: every link of this client is renegotiated, as its backend allows. */
  private async renegotiate(): Promise<void> {
    const caps = this.caps;
    if (!caps) return;
    if (caps.peerToPeer) {
      for (const [subscriber, link] of this.up) this.send({ id: 'peerOffer', userId: subscriber, sdpOffer: await link.offer({ iceRestart: true }) });
      for (const publisher of this.down.keys()) this.askToReceive(publisher);
      return;
    }
    if (caps.backend === 'kurento') {
      // KMS negotiates an endpoint once: new links replace the old ones (the server feeds the others'
      // existing subscriptions from the new publish endpoint).
      const publishers = [...this.down.keys()];
      this.closeLinks();
      await this.publish();
      for (const publisher of publishers) await this.receiveFrom(publisher);
      return;
    }
    const own = this.up.get('self');
    if (own) this.send({ id: 'publish', sdpOffer: await own.offer({ iceRestart: true }) });
    for (const publisher of this.down.keys()) this.askToReceive(publisher);
  }

  private async publish(): Promise<void> {
    const self = this.options.userId;
    const link = new Link(this.config(), (candidate) => this.send({ id: 'onIceCandidate', userId: self, candidate }));
    this.up.set('self', link);
    for (const track of this.options.stream.getTracks()) link.pc.addTransceiver(track, { direction: 'sendonly', streams: [this.options.stream] });
    this.send({ id: 'publish', sdpOffer: await link.offer() });
  }

  private async receiveFrom(publisher: string): Promise<void> {
    const caps = this.caps;
    if (!caps) return;
    if (caps.serverOfferedSubscribe) {
      this.askToReceive(publisher);
      return;
    }
    const link = this.downLink(publisher);
    link.pc.addTransceiver('audio', { direction: 'recvonly' });
    link.pc.addTransceiver('video', { direction: 'recvonly' });
    this.send({ id: 'receiveVideoFrom', userId: publisher, sdpOffer: await link.offer() });
  }

  private askToReceive(publisher: string): void {
    const requestId = `s${(this.requestSeq += 1)}`;
    this.pendingSubscribes.set(requestId, publisher);
    this.send({ id: 'subscribe', userId: publisher, requestId });
  }

  private downLink(publisher: string): Link {
    this.down.get(publisher)?.close();
    const link = new Link(this.config(), (candidate) => this.send({ id: 'onIceCandidate', userId: publisher, candidate }));
    link.pc.ontrack = () => undefined;
    this.down.set(publisher, link);
    return link;
  }

  /** The server (or, in a mesh, the publisher) offers `publisher`'s media: on the link there is, if any. */
  private async offered(publisher: string, sdp: string): Promise<void> {
    const existing = this.down.get(publisher);
    const link = existing ?? this.downLink(publisher);
    this.subscribeRetries.delete(publisher);
    for (const [requestId, p] of this.pendingSubscribes) if (p === publisher) this.pendingSubscribes.delete(requestId);
    this.send({ id: 'subscribeAnswer', userId: publisher, sdpAnswer: await link.answer(sdp) });
    this.note('renegotiated', `down:${publisher}`);
  }

  /** Mesh: `subscriber` asks for this client's media; a link it already has is restarted, not replaced. */
  private async offerUpstream(subscriber: string): Promise<void> {
    let link = this.up.get(subscriber);
    const restart = link !== undefined;
    if (!link) {
      link = new Link(this.config(), (candidate) => this.send({ id: 'peerIceCandidate', userId: subscriber, candidate }));
      this.up.set(subscriber, link);
      for (const track of this.options.stream.getTracks()) link.pc.addTransceiver(track, { direction: 'sendonly', streams: [this.options.stream] });
    }
    this.send({ id: 'peerOffer', userId: subscriber, sdpOffer: await link.offer(restart ? { iceRestart: true } : {}) });
  }

  private forget(userId: string): void {
    this.members.delete(userId);
    this.down.get(userId)?.close();
    this.down.delete(userId);
    this.up.get(userId)?.close();
    this.up.delete(userId);
    this.subscribeRetries.delete(userId);
  }

  private closeLinks(): void {
    for (const link of [...this.up.values(), ...this.down.values()]) link.close();
    this.up.clear();
    this.down.clear();
  }
}
