import type { MediaBackendEvent, MediaGateway, OpenSessionOptions } from '../../application';
import type { IceCandidate, MediaCapabilities, MediaLink, MediaSession, RoomId, UserId } from '../../domain';
import { OperationTimer } from './operation-timer';
import type { SignalingMetrics } from './signaling-metrics';

/** A MediaGateway that times every call into the backend; the backend itself stays unaware of metrics. */
export class TimedMediaGateway implements MediaGateway {
  private readonly timer: OperationTimer;

  constructor(
    private readonly inner: MediaGateway,
    metrics: SignalingMetrics,
  ) {
    this.timer = new OperationTimer(metrics.mediaCallSeconds);
  }

  private timed<T>(operation: string, work: () => Promise<T>): Promise<T> {
    return this.timer.time(operation, work);
  }

  capabilities(): MediaCapabilities {
    return this.inner.capabilities();
  }
  openSession(roomId: RoomId, options: OpenSessionOptions): Promise<MediaSession> {
    return this.timed('openSession', () => this.inner.openSession(roomId, options));
  }
  closeSession(session: MediaSession): Promise<void> {
    return this.timed('closeSession', () => this.inner.closeSession(session));
  }
  addParticipant(session: MediaSession, userId: UserId): Promise<void> {
    return this.timed('addParticipant', () => this.inner.addParticipant(session, userId));
  }
  removeParticipant(session: MediaSession, userId: UserId): Promise<void> {
    return this.timed('removeParticipant', () => this.inner.removeParticipant(session, userId));
  }
  offer(session: MediaSession, from: UserId, link: MediaLink, sdp: string, requestId?: string): Promise<void> {
    return this.timed('offer', () => this.inner.offer(session, from, link, sdp, requestId));
  }
  answer(session: MediaSession, from: UserId, link: MediaLink, sdp: string): Promise<void> {
    return this.timed('answer', () => this.inner.answer(session, from, link, sdp));
  }
  requestOffer(session: MediaSession, from: UserId, link: MediaLink, requestId?: string): Promise<void> {
    return this.timed('requestOffer', () => this.inner.requestOffer(session, from, link, requestId));
  }
  addIceCandidate(session: MediaSession, from: UserId, link: MediaLink, candidate: IceCandidate): Promise<void> {
    return this.timed('addIceCandidate', () => this.inner.addIceCandidate(session, from, link, candidate));
  }
  onEvent(listener: (event: MediaBackendEvent) => void): void {
    this.inner.onEvent(listener);
  }
  isAvailable(): boolean {
    return this.inner.isAvailable();
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
