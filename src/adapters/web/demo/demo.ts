/*
 * Demo client for the signaling server. It reads which flows the room's media backend supports from the
 * join reply and uses them: publish + server-offered subscriptions (Janus), publish + client-offered
 * subscriptions (Kurento), or one upstream connection per subscriber with the publisher offering (mesh).
 */

interface MediaCaps { backend: string; publish: boolean; clientOfferedSubscribe: boolean; serverOfferedSubscribe: boolean; peerToPeer: boolean }
interface Member { userId: string; audio: boolean; video: boolean }
type Msg = Record<string, unknown> & { id: string };

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const rtcConfig: RTCConfiguration = { iceServers: [] };

class PeerLink {
  readonly pc = new RTCPeerConnection(rtcConfig);
  private pending: RTCIceCandidateInit[] = [];

  async addRemoteCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    if (this.pc.remoteDescription) await this.pc.addIceCandidate(candidate);
    else this.pending.push(candidate);
  }

  async setRemote(description: RTCSessionDescriptionInit): Promise<void> {
    await this.pc.setRemoteDescription(description);
    for (const c of this.pending.splice(0)) await this.pc.addIceCandidate(c);
  }
}

class DemoClient {
  private ws: WebSocket | undefined;
  private self = '';
  private caps: MediaCaps | undefined;
  private local: MediaStream | undefined;
  private publishLink: PeerLink | undefined;
  private readonly subscriptions = new Map<string, PeerLink>();
  private readonly upstreams = new Map<string, PeerLink>();
  private readonly retries = new Map<string, number>();
  private requestSeq = 0;
  private readonly pendingRequests = new Map<string, () => void>();
  readonly members = new Map<string, Member>();
  readonly errors: Msg[] = [];
  /** performance.now() when the last joinRoom was sent, for join-to-first-frame measurements. */
  joinSentAt: number | undefined;
  /** Called when the server ends the session on its own (media server lost, replaced, kicked). */
  onEnded: () => void = () => undefined;

  async join(roomId: string, userId: string, token: string): Promise<void> {
    this.self = userId;
    this.local ??= await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240 } });
    this.addTile(userId, this.local, { userId, audio: true, video: true }, true);
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/rtc/websocket`);
    this.ws = ws;
    ws.onmessage = (event) => void this.onMessage(JSON.parse(String(event.data)) as Msg).catch((e: unknown) => log(`handler failed: ${String(e)}`));
    ws.onclose = (event) => {
      // A socket closed by leave() or by a later join must not overwrite the newer state.
      if (this.ws === ws) setStatus('closed', `connection closed (${event.code})`);
    };
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error('cannot connect'));
    });
    this.joinSentAt = performance.now();
    this.send({ id: 'joinRoom', userId, roomId, communityId: '0', video: true, audio: true, ...(token ? { token } : {}) });
  }

  leave(): void {
    this.send({ id: 'leaveRoom' });
    this.teardown();
    setStatus('idle', 'left');
  }

  /** Closes every connection and tile; the camera stays open for the next join. */
  private teardown(): void {
    for (const userId of [...this.members.keys()]) this.removeParticipant(userId);
    this.publishLink?.pc.close();
    this.publishLink = undefined;
    document.querySelector(`[data-user-id="${CSS.escape(this.self)}"]`)?.remove();
    const ws = this.ws;
    this.ws = undefined;
    ws?.close();
  }

  toggle(kind: 'audio' | 'video'): boolean {
    const tracks = kind === 'video' ? this.local?.getVideoTracks() : this.local?.getAudioTracks();
    const enabled = !(tracks?.[0]?.enabled ?? false);
    tracks?.forEach((t) => (t.enabled = enabled));
    this.send(kind === 'video' ? { id: 'videoStateFrom', userId: this.self, video: enabled } : { id: 'audioStateFrom', userId: this.self, audio: enabled });
    return enabled;
  }

  /** Decoded video frames per remote participant, for tests and for the curious. */
  async framesDecoded(): Promise<Record<string, number>> {
    const result: Record<string, number> = {};
    for (const [userId, link] of this.subscriptions) {
      const stats = await link.pc.getStats();
      stats.forEach((s: { type: string; kind?: string; framesDecoded?: number }) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') result[userId] = s.framesDecoded ?? 0;
      });
    }
    return result;
  }

  private send(message: Record<string, unknown>, onError?: () => void): void {
    const requestId = `q${(this.requestSeq += 1)}`;
    if (onError) this.pendingRequests.set(requestId, onError);
    this.ws?.send(JSON.stringify({ ...message, requestId }));
  }

  private async onMessage(m: Msg): Promise<void> {
    switch (m.id) {
      case 'existingParticipants': {
        this.caps = m.media as MediaCaps;
        setStatus('joined', `in ${String(m.roomId)} as ${this.self} (${this.caps.backend})`);
        if (this.caps.publish) await this.publish();
        for (const member of m.members as Member[]) {
          this.members.set(member.userId, member);
          this.addTile(member.userId, undefined, member, false);
          await this.subscribe(member.userId);
        }
        return;
      }
      case 'newParticipantArrived': {
        const member = m.member as Member;
        this.members.set(member.userId, member);
        this.addTile(member.userId, undefined, member, false);
        await this.subscribe(member.userId);
        return;
      }
      case 'participantLeft':
        this.removeParticipant(String(m.userId));
        return;
      case 'receiveVideoAnswer': {
        const link = m.userId === this.self ? this.publishLink : this.subscriptions.get(String(m.userId));
        await link?.setRemote({ type: 'answer', sdp: String(m.sdpAnswer) });
        return;
      }
      case 'subscribeOffer':
        await this.answerSubscription(String(m.userId), String(m.sdpOffer));
        return;
      case 'iceCandidate': {
        const link = m.userId === this.self ? this.publishLink : this.subscriptions.get(String(m.userId));
        await link?.addRemoteCandidate(m.candidate as RTCIceCandidateInit);
        return;
      }
      case 'peerSubscribe':
        await this.offerUpstream(String(m.userId));
        return;
      case 'peerOffer':
        await this.answerUpstream(String(m.userId), String(m.sdpOffer));
        return;
      case 'peerAnswer':
        await this.upstreams.get(String(m.userId))?.setRemote({ type: 'answer', sdp: String(m.sdpAnswer) });
        return;
      case 'peerIceCandidate':
        await this.upstreams.get(String(m.userId))?.addRemoteCandidate(m.candidate as RTCIceCandidateInit);
        return;
      case 'videoStateAnswer':
      case 'audioStateAnswer':
        this.updateState(String(m.userId), m.id === 'videoStateAnswer' ? { video: Boolean(m.video) } : { audio: Boolean(m.audio) });
        return;
      case 'limitJoinAnswer':
        setStatus('full', `room ${String(m.roomId)} is full`);
        return;
      case 'error': {
        this.errors.push(m);
        log(`error ${String(m.code)}: ${String(m.message)}`);
        if (m.requestId === undefined) {
          // Not an answer to a request: the server ended our session (e.g. the media server was lost).
          this.teardown();
          setStatus('error', `${String(m.code)}: ${String(m.message)}`, String(m.code));
          this.onEnded();
          return;
        }
        const retry = this.pendingRequests.get(String(m.requestId));
        this.pendingRequests.delete(String(m.requestId));
        retry?.();
        return;
      }
      default:
        return;
    }
  }

  private async publish(): Promise<void> {
    const link = new PeerLink();
    this.publishLink = link;
    for (const track of this.local!.getTracks()) link.pc.addTransceiver(track, { direction: 'sendonly', streams: [this.local!] });
    link.pc.onicecandidate = (e) => e.candidate && this.send({ id: 'onIceCandidate', userId: this.self, candidate: e.candidate.toJSON() });
    await link.pc.setLocalDescription(await link.pc.createOffer());
    this.send({ id: 'receiveVideoFrom', userId: this.self, sdpOffer: link.pc.localDescription!.sdp });
  }

  private async subscribe(publisher: string): Promise<void> {
    const caps = this.caps!;
    if (caps.serverOfferedSubscribe) {
      // With an SFU the publisher may not have published yet when we hear of it: retry a few times.
      this.send({ id: 'subscribe', userId: publisher }, () => this.retrySubscribe(publisher));
      return;
    }
    const link = this.newSubscription(publisher);
    link.pc.addTransceiver('audio', { direction: 'recvonly' });
    link.pc.addTransceiver('video', { direction: 'recvonly' });
    await link.pc.setLocalDescription(await link.pc.createOffer());
    this.send({ id: 'receiveVideoFrom', userId: publisher, sdpOffer: link.pc.localDescription!.sdp });
  }

  private retrySubscribe(publisher: string): void {
    const attempt = (this.retries.get(publisher) ?? 0) + 1;
    this.retries.set(publisher, attempt);
    if (attempt <= 20 && this.members.has(publisher)) setTimeout(() => void this.subscribe(publisher), 500);
  }

  private newSubscription(publisher: string): PeerLink {
    this.subscriptions.get(publisher)?.pc.close();
    const link = new PeerLink();
    this.subscriptions.set(publisher, link);
    link.pc.onicecandidate = (e) => e.candidate && this.send({ id: 'onIceCandidate', userId: publisher, candidate: e.candidate.toJSON() });
    link.pc.ontrack = (e) => this.attachStream(publisher, e.streams[0] ?? new MediaStream([e.track]));
    return link;
  }

  private async answerSubscription(publisher: string, sdpOffer: string): Promise<void> {
    const link = this.newSubscription(publisher);
    await link.setRemote({ type: 'offer', sdp: sdpOffer });
    await link.pc.setLocalDescription(await link.pc.createAnswer());
    this.send({ id: 'subscribeAnswer', userId: publisher, sdpAnswer: link.pc.localDescription!.sdp });
  }

  private newUpstream(subscriber: string): PeerLink {
    this.upstreams.get(subscriber)?.pc.close();
    const link = new PeerLink();
    this.upstreams.set(subscriber, link);
    link.pc.onicecandidate = (e) => e.candidate && this.send({ id: 'peerIceCandidate', userId: subscriber, candidate: e.candidate.toJSON() });
    return link;
  }

  /** Mesh: a subscriber asked for our media; we offer it on a connection of its own. */
  private async offerUpstream(subscriber: string): Promise<void> {
    const link = this.newUpstream(subscriber);
    for (const track of this.local!.getTracks()) link.pc.addTransceiver(track, { direction: 'sendonly', streams: [this.local!] });
    await link.pc.setLocalDescription(await link.pc.createOffer());
    this.send({ id: 'peerOffer', userId: subscriber, sdpOffer: link.pc.localDescription!.sdp });
  }

  /** Mesh, seed dialect: a subscriber offered to receive our media; we answer with our tracks. */
  private async answerUpstream(subscriber: string, sdpOffer: string): Promise<void> {
    const link = this.newUpstream(subscriber);
    await link.setRemote({ type: 'offer', sdp: sdpOffer });
    for (const track of this.local!.getTracks()) link.pc.addTrack(track, this.local!);
    await link.pc.setLocalDescription(await link.pc.createAnswer());
    this.send({ id: 'peerAnswer', userId: subscriber, sdpAnswer: link.pc.localDescription!.sdp });
  }

  private removeParticipant(userId: string): void {
    this.members.delete(userId);
    this.subscriptions.get(userId)?.pc.close();
    this.subscriptions.delete(userId);
    this.upstreams.get(userId)?.pc.close();
    this.upstreams.delete(userId);
    this.retries.delete(userId);
    document.querySelector(`[data-user-id="${CSS.escape(userId)}"]`)?.remove();
  }

  private addTile(userId: string, stream: MediaStream | undefined, state: Member, muted: boolean): void {
    if (document.querySelector(`[data-user-id="${CSS.escape(userId)}"]`)) return;
    const tile = document.createElement('div');
    tile.className = 'tile';
    tile.dataset.userId = userId;
    const video = document.createElement('video');
    video.autoplay = true;
    video.playsInline = true;
    video.muted = muted;
    if (stream) video.srcObject = stream;
    const label = document.createElement('span');
    label.className = 'label';
    tile.append(video, label);
    $('tiles').append(tile);
    this.renderState(tile, state);
  }

  private attachStream(userId: string, stream: MediaStream): void {
    const video = document.querySelector<HTMLVideoElement>(`[data-user-id="${CSS.escape(userId)}"] video`);
    if (video && video.srcObject !== stream) video.srcObject = stream;
  }

  private updateState(userId: string, change: Partial<Member>): void {
    const member = userId === this.self ? { userId, audio: true, video: true, ...readState(userId) } : this.members.get(userId);
    if (!member) return;
    const next = { ...member, ...change };
    if (userId !== this.self) this.members.set(userId, next);
    const tile = document.querySelector<HTMLElement>(`[data-user-id="${CSS.escape(userId)}"]`);
    if (tile) this.renderState(tile, next);
  }

  private renderState(tile: HTMLElement, state: Member): void {
    tile.dataset.video = String(state.video);
    tile.dataset.audio = String(state.audio);
    tile.querySelector('.label')!.textContent = `${state.userId}${state.userId === this.self ? ' (you)' : ''}${state.video ? '' : ' · camera off'}${state.audio ? '' : ' · muted'}`;
  }
}

const readState = (userId: string): Partial<Member> => {
  const tile = document.querySelector<HTMLElement>(`[data-user-id="${CSS.escape(userId)}"]`);
  return tile ? { audio: tile.dataset.audio === 'true', video: tile.dataset.video === 'true' } : {};
};

const log = (line: string): void => {
  $('log').textContent += `${new Date().toISOString().slice(11, 23)} ${line}\n`;
};

const setStatus = (state: string, text: string, code?: string): void => {
  const status = $('status');
  status.dataset.state = state;
  if (code) status.dataset.code = code;
  else delete status.dataset.code;
  status.textContent = text;
};

const client = new DemoClient();
(window as unknown as { demo: DemoClient }).demo = client;
$<HTMLInputElement>('user').value ||= `user-${Math.random().toString(36).slice(2, 7)}`;

$('join-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const room = $<HTMLInputElement>('room').value;
  const user = $<HTMLInputElement>('user').value;
  $<HTMLButtonElement>('join').disabled = true;
  client.join(room, user, $<HTMLInputElement>('token').value).then(
    () => {
      for (const id of ['leave', 'toggle-camera', 'toggle-mic']) $<HTMLButtonElement>(id).disabled = false;
    },
    (error: unknown) => {
      log(`join failed: ${String(error)}`);
      $<HTMLButtonElement>('join').disabled = false;
    },
  );
});
const showJoinable = (): void => {
  for (const id of ['leave', 'toggle-camera', 'toggle-mic']) $<HTMLButtonElement>(id).disabled = true;
  $<HTMLButtonElement>('join').disabled = false;
};
client.onEnded = showJoinable;
$('leave').addEventListener('click', () => {
  client.leave();
  showJoinable();
});
$('toggle-camera').addEventListener('click', (e) => {
  (e.target as HTMLButtonElement).textContent = client.toggle('video') ? 'Camera off' : 'Camera on';
});
$('toggle-mic').addEventListener('click', (e) => {
  (e.target as HTMLButtonElement).textContent = client.toggle('audio') ? 'Mic off' : 'Mic on';
});
