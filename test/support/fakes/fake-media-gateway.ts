import type { MediaBackendEvent, MediaGateway, OpenSessionOptions } from '../../../src/application';
import type { IceCandidate, MediaCapabilities, MediaLink, MediaSession, RoomId, UserId } from '../../../src/domain';
import { deferred, type Deferred } from './deferred';

export type GatewayMethod =
  | 'openSession'
  | 'closeSession'
  | 'addParticipant'
  | 'removeParticipant'
  | 'offer'
  | 'answer'
  | 'requestOffer'
  | 'addIceCandidate';

export interface GatewayCall {
  readonly method: GatewayMethod;
  readonly roomId: RoomId;
  readonly ref?: string;
  readonly userId?: UserId;
  readonly link?: MediaLink;
  readonly sdp?: string;
  readonly requestId?: string;
  readonly candidate?: IceCandidate;
  readonly capacity?: number;
}

/** Kurento-like: every SFU flow, no peer-to-peer. */
export const SFU_CAPABILITIES: MediaCapabilities = Object.freeze({
  backend: 'fake-sfu',
  publish: true,
  clientOfferedSubscribe: true,
  serverOfferedSubscribe: true,
  peerToPeer: false,
});

/** Janus-like: subscribers always take the server's offer. */
export const SERVER_OFFER_CAPABILITIES: MediaCapabilities = Object.freeze({
  backend: 'fake-janus',
  publish: true,
  clientOfferedSubscribe: false,
  serverOfferedSubscribe: true,
  peerToPeer: false,
});

/** Mesh-like: no media server, peers offer to each other. */
export const MESH_CAPABILITIES: MediaCapabilities = Object.freeze({
  backend: 'fake-mesh',
  publish: false,
  clientOfferedSubscribe: false,
  serverOfferedSubscribe: true,
  peerToPeer: true,
});

/**
 * A scriptable MediaGateway: records every call, keeps track of open sessions and their participants,
 * and can be told to fail or to wait (for a time, or until the test releases a gate) on any method.
 */
export class FakeMediaGateway implements MediaGateway {
  readonly calls: GatewayCall[] = [];
  /** Sessions opened and not closed, by ref, with the users added and not removed. */
  readonly sessions = new Map<string, { session: MediaSession; users: Set<UserId> }>();
  capabilitiesValue: MediaCapabilities;
  available = true;
  shutdownCalls = 0;

  private readonly failures = new Map<GatewayMethod, unknown[]>();
  private readonly delays = new Map<GatewayMethod, number>();
  private readonly gates = new Map<GatewayMethod, Deferred<void>[]>();
  private readonly listeners: ((event: MediaBackendEvent) => void)[] = [];
  private nextRef = 1;

  constructor(capabilities: MediaCapabilities = SFU_CAPABILITIES) {
    this.capabilitiesValue = capabilities;
  }

  /** The next call of `method` rejects with `error` (after any delay); queue several for several calls. */
  failNext(method: GatewayMethod, error: unknown): this {
    const queue = this.failures.get(method) ?? [];
    queue.push(error);
    this.failures.set(method, queue);
    return this;
  }

  /** Every call of `method` waits `ms` (real time) before doing its work. */
  delay(method: GatewayMethod, ms: number): this {
    this.delays.set(method, ms);
    return this;
  }

  /** The next call of `method` waits until the returned gate is resolved (or rejected, to fail it). */
  hold(method: GatewayMethod): Deferred<void> {
    const gate = deferred<void>();
    const queue = this.gates.get(method) ?? [];
    queue.push(gate);
    this.gates.set(method, queue);
    return gate;
  }

  emit(event: MediaBackendEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  callsOf(method: GatewayMethod): readonly GatewayCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  sessionOf(roomId: RoomId): MediaSession | undefined {
    return [...this.sessions.values()].find((s) => s.session.roomId === roomId)?.session;
  }

  usersIn(ref: string): UserId[] {
    return [...(this.sessions.get(ref)?.users ?? [])];
  }

  capabilities(): MediaCapabilities {
    return this.capabilitiesValue;
  }

  async openSession(roomId: RoomId, options: OpenSessionOptions): Promise<MediaSession> {
    this.calls.push({ method: 'openSession', roomId, capacity: options.capacity });
    await this.before('openSession');
    const session: MediaSession = { roomId, backend: this.capabilitiesValue.backend, ref: `fake-${this.nextRef++}` };
    this.sessions.set(session.ref, { session, users: new Set() });
    return session;
  }

  async closeSession(session: MediaSession): Promise<void> {
    this.calls.push({ method: 'closeSession', roomId: session.roomId, ref: session.ref });
    await this.before('closeSession');
    this.sessions.delete(session.ref);
  }

  async addParticipant(session: MediaSession, userId: UserId): Promise<void> {
    this.calls.push({ method: 'addParticipant', roomId: session.roomId, ref: session.ref, userId });
    await this.before('addParticipant');
    this.sessions.get(session.ref)?.users.add(userId);
  }

  async removeParticipant(session: MediaSession, userId: UserId): Promise<void> {
    this.calls.push({ method: 'removeParticipant', roomId: session.roomId, ref: session.ref, userId });
    await this.before('removeParticipant');
    this.sessions.get(session.ref)?.users.delete(userId);
  }

  async offer(session: MediaSession, from: UserId, link: MediaLink, sdp: string, requestId?: string): Promise<void> {
    this.calls.push({ method: 'offer', roomId: session.roomId, ref: session.ref, userId: from, link, sdp, ...(requestId !== undefined ? { requestId } : {}) });
    await this.before('offer');
  }

  async answer(session: MediaSession, from: UserId, link: MediaLink, sdp: string): Promise<void> {
    this.calls.push({ method: 'answer', roomId: session.roomId, ref: session.ref, userId: from, link, sdp });
    await this.before('answer');
  }

  async requestOffer(session: MediaSession, from: UserId, link: MediaLink, requestId?: string): Promise<void> {
    this.calls.push({ method: 'requestOffer', roomId: session.roomId, ref: session.ref, userId: from, link, ...(requestId !== undefined ? { requestId } : {}) });
    await this.before('requestOffer');
  }

  async addIceCandidate(session: MediaSession, from: UserId, link: MediaLink, candidate: IceCandidate): Promise<void> {
    this.calls.push({ method: 'addIceCandidate', roomId: session.roomId, ref: session.ref, userId: from, link, candidate });
    await this.before('addIceCandidate');
  }

  onEvent(listener: (event: MediaBackendEvent) => void): void {
    this.listeners.push(listener);
  }

  isAvailable(): boolean {
    return this.available;
  }

  async shutdown(): Promise<void> {
    this.shutdownCalls += 1;
  }

  private async before(method: GatewayMethod): Promise<void> {
    const gate = this.gates.get(method)?.shift();
    if (gate) await gate.promise;
    const ms = this.delays.get(method);
    if (ms !== undefined) await new Promise<void>((resolve) => setTimeout(resolve, ms));
    const failure = this.failures.get(method);
    if (failure && failure.length > 0) throw failure.shift();
  }
}
