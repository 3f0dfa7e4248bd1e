import type { WireCandidate } from '../protocol';

/** Counts links, so a test (or a UI) can tell a renegotiated connection from a replaced one. */
let created = 0;

/** One RTCPeerConnection and the remote candidates that arrived before they could be applied. */
export class PeerLink {
  readonly id = (created += 1);
  readonly pc: RTCPeerConnection;
  private waiting: RTCIceCandidateInit[] = [];
  /** An offer of ours is out: candidates for the new ICE generation wait for its answer. */
  private offering = false;

  constructor(config: RTCConfiguration, onCandidate: (candidate: WireCandidate) => void, Peer: typeof RTCPeerConnection = RTCPeerConnection) {
    this.pc = new Peer(config);
    this.pc.onicecandidate = (event) => {
      if (!event.candidate) return;
      const c = event.candidate.toJSON();
      onCandidate({ candidate: c.candidate ?? '', sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null });
    };
  }

  /** An offer created ahead by prepareOffer(), not applied yet. */
  private early: Promise<RTCSessionDescriptionInit> | undefined;

  /**
   * Creates the offer now (the costly part; no ICE gathering starts before it is applied), for offer()
   * to apply later: a client can do this while its join is on the way. The configuration may still change
   * (setConfiguration, e.g. the ICE servers the join reply brings) until then.
   */
  prepareOffer(): Promise<unknown> {
    this.early ??= this.pc.createOffer();
    return this.early.catch(() => undefined);
  }

  async offer(options: RTCOfferOptions = {}): Promise<string> {
    this.offering = true;
    const early = this.early;
    this.early = undefined;
    const description = early !== undefined && !options.iceRestart ? await early.catch(() => this.pc.createOffer(options)) : await this.pc.createOffer(options);
    await this.pc.setLocalDescription(description);
    return this.pc.localDescription?.sdp ?? '';
  }

  async answered(sdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
    this.offering = false;
    await this.flush();
  }

  /**
   * Answers an offer, on this same connection when it had one before (a renegotiation). `dtlsPassive`: on
   * a first answer, take the DTLS server role (`a=setup:passive`) so that the other side starts the
   * handshake once its ICE is up (see CallMedia.offered); a browser that refuses the change answers as it
   * would have.
   */
  async answer(sdp: string, beforeAnswering?: () => void, options: { dtlsPassive?: boolean } = {}): Promise<string> {
    const first = this.pc.localDescription === null;
    await this.pc.setRemoteDescription({ type: 'offer', sdp });
    beforeAnswering?.();
    const answer = await this.pc.createAnswer();
    const passive = options.dtlsPassive && first && answer.sdp?.includes('a=setup:active') ? answer.sdp.replace(/a=setup:active/g, 'a=setup:passive') : undefined;
    if (passive === undefined) await this.pc.setLocalDescription(answer);
    else await this.pc.setLocalDescription({ type: 'answer', sdp: passive }).catch(() => this.pc.setLocalDescription(answer));
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

  /** Whether an answer or offer from the other side was applied (the link carries, or will carry, media). */
  get negotiated(): boolean {
    return this.pc.remoteDescription !== null;
  }

  close(): void {
    this.pc.close();
  }

  private async flush(): Promise<void> {
    for (const candidate of this.waiting.splice(0)) await this.pc.addIceCandidate(candidate).catch(() => undefined);
  }
}
