/*
 * The browser call the resume tests drive: the client library (packages/client) joined resumable, with its
 * media helpers, recording what happens for the test. The resume and the per-backend renegotiation (mesh
 * and Janus restart ICE on the same connections, Kurento makes new ones) are the library's: these tests
 * prove it in Chromium against mesh, Janus and the real KMS.
 */
import { CallMedia, RoomClient } from '../../../../packages/client/src/index';
import type { CallEvent } from './call-event';

export type { CallEvent } from './call-event';

export interface ResumingCallOptions {
  /** The signaling server's WebSocket endpoint. */
  readonly url: string;
  readonly roomId: string;
  readonly userId: string;
  readonly communityId?: string;
  readonly stream: MediaStream;
  /** Merged over the ICE servers the server hands out (e.g. `iceTransportPolicy: 'relay'`). */
  readonly rtcConfig?: RTCConfiguration;
}

export class ResumingCall {
  readonly events: CallEvent[] = [];
  readonly client: RoomClient;
  readonly media: CallMedia;
  state: 'idle' | 'joined' | 'reconnecting' | 'left' = 'idle';

  constructor(options: ResumingCallOptions) {
    this.client = new RoomClient({
      url: options.url,
      roomId: options.roomId,
      userId: options.userId,
      ...(options.communityId !== undefined ? { communityId: options.communityId } : {}),
      reconnect: { baseMs: 250, maxMs: 1_000, maxAttempts: 200 },
    });
    this.media = new CallMedia(this.client, { stream: options.stream, ...(options.rtcConfig ? { rtcConfig: options.rtcConfig } : {}) });
    this.client.on('state', (state) => {
      if (state === 'reconnecting') this.note('connectionLost');
      this.state = state === 'resumed' ? 'joined' : state === 'connecting' ? 'idle' : state;
    });
    this.client.on('joined', (_joined, how) => {
      if (how.resumed) this.note('resumed');
      else if (how.rejoined) {
        this.note('resumeFailed');
        this.note('rejoined');
      } else this.note('joined');
    });
    this.client.on('message', (m) => {
      if (m.id === 'participantLeft' || m.id === 'participantReconnecting' || m.id === 'participantReconnected') this.note('member', `${m.id}:${m.userId}`);
      if (m.id === 'error') this.note('error', `${m.code}: ${m.message}`);
    });
    this.media.on('media', (event) => {
      if (event.type === 'renegotiated') this.note('renegotiated', event.link);
      else this.note('error', String(event.error));
    });
  }

  join(): void {
    this.client.join().catch((error: unknown) => this.note('error', String(error)));
  }

  leave(): void {
    void this.client.leave();
  }

  /** What a lost network does to the signaling connection, for tests: the socket is gone, the call is not. */
  dropConnection(): void {
    this.client.dropConnection();
  }

  framesDecoded(): Promise<Record<string, number>> {
    return this.media.framesDecoded();
  }

  /** The ICE servers the server handed out with the last join or resume. */
  servers(): readonly unknown[] {
    return this.client.iceServers;
  }

  /** Per link, the candidate types (local/remote) of the pair ICE selected, e.g. `relay/relay`. */
  async selectedPairs(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const [name, pc] of Object.entries(this.media.connections())) {
      const stats = await pc.getStats();
      const byId = new Map<string, { type: string; candidateType?: string }>();
      stats.forEach((s: { id: string; type: string; candidateType?: string }) => byId.set(s.id, s));
      stats.forEach((s: { type: string; nominated?: boolean; state?: string; localCandidateId?: string; remoteCandidateId?: string }) => {
        if (s.type !== 'candidate-pair' || s.state !== 'succeeded' || !s.nominated) return;
        out[name] = `${byId.get(s.localCandidateId ?? '')?.candidateType ?? '?'}/${byId.get(s.remoteCandidateId ?? '')?.candidateType ?? '?'}`;
      });
    }
    return out;
  }

  linkIdentities(): Record<string, { id: number; ufrag: string }> {
    return this.media.linkIdentities();
  }

  private note(type: CallEvent['type'], detail?: string): void {
    this.events.push({ type, at: performance.now(), ...(detail !== undefined ? { detail } : {}) });
  }
}
