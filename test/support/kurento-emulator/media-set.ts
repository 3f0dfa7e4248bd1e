import { randomUUID } from 'node:crypto';
import { KmsError } from './kms-error';
import {
  candidateParam,
  enumParam,
  eventsOf,
  operationNotFound,
  stringParam,
  WEBRTC_HIERARCHY,
  type KmsGeneration,
  type WireIceCandidate,
} from './kms-model';
import { buildAnswer, buildOffer, parseSdp, type MediaSection } from './sdp';

export type { WireIceCandidate } from './kms-model';

export const SERVER_MANAGER_ID = 'manager_ServerManager';

export type NegotiationState = 'none' | 'offerProcessed' | 'offerGenerated' | 'answerProcessed';
export type SdpOperation = 'processOffer' | 'generateOffer' | 'processAnswer';

export interface SdpCall {
  readonly objectId: string;
  readonly operation: SdpOperation;
  readonly ok: boolean;
  readonly at: number;
}

interface PipelineRecord {
  readonly id: string;
  readonly sessionId: string;
  readonly createdAt: number;
  readonly endpoints: Set<string>;
  name: string;
}

interface EndpointRecord {
  readonly id: string;
  readonly pipelineId: string;
  readonly sessionId: string;
  readonly createdAt: number;
  /** Elements this one sends media to, and the one it receives from (KMS allows one source per sink). */
  readonly sinks: Set<string>;
  source: string | undefined;
  negotiation: NegotiationState;
  sections: MediaSection[];
  localSdp: string | undefined;
  remoteSdp: string | undefined;
  readonly remoteCandidates: WireIceCandidate[];
  gathered: boolean;
  name: string;
}

interface Subscription {
  readonly objectId: string;
  readonly type: string;
  readonly sessionId: string;
}

/** A server→client `onEvent` notification, addressed to a session. */
export interface OutboundEvent {
  readonly sessionId: string;
  readonly objectId: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
}

export interface MediaSetSettings {
  readonly candidatesPerSection: number;
  readonly version: string;
  readonly generation: KmsGeneration;
  /** Called when a request would crash a real KMS (it does for some malformed requests). */
  readonly crash: (why: string) => void;
}

type Params = Record<string, unknown>;

/**
 * The emulated server's objects, as KMS's MediaSet holds them: sessions, pipelines, WebRtcEndpoints
 * inside them, the connections between elements, event subscriptions, and the SDP negotiation state KMS
 * enforces. Every rule here was checked against KMS 7.3.1 (see kms-conformance.real-kms.ts).
 */
export class MediaSet {
  private readonly pipelines = new Map<string, PipelineRecord>();
  private readonly endpoints = new Map<string, EndpointRecord>();
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly sessions = new Set<string>();
  private readonly sdpLog: SdpCall[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly startedAt = Date.now();

  constructor(
    private readonly emit: (event: OutboundEvent) => void,
    private readonly settings: MediaSetSettings,
  ) {}

  // ---- sessions ----

  openSession(): string {
    const id = randomUUID();
    this.sessions.add(id);
    return id;
  }

  /** KMS takes any session id a request carries as a session of its own. */
  touchSession(id: string): void {
    this.sessions.add(id);
  }

  hasSession(id: string): boolean {
    return this.sessions.has(id);
  }

  /** `closeSession`: the session and every object it created are gone (KMS 7.3.1 releases them). */
  closeSession(id: string): void {
    this.sessions.delete(id);
    for (const pipeline of [...this.pipelines.values()]) if (pipeline.sessionId === id) this.release(pipeline.id);
    for (const endpoint of [...this.endpoints.values()]) if (endpoint.sessionId === id) this.release(endpoint.id);
    for (const [subId, sub] of this.subscriptions) if (sub.sessionId === id) this.subscriptions.delete(subId);
  }

  sessionIds(): string[] {
    return [...this.sessions];
  }

  // ---- create / describe / release ----

  create(sessionId: string, type: string, constructorParams: Params | undefined): string {
    if (type === 'MediaPipeline') {
      const id = `${randomUUID()}_kurento.MediaPipeline`;
      this.pipelines.set(id, { id, sessionId, createdAt: Date.now(), endpoints: new Set(), name: id });
      return id;
    }
    if (type === 'WebRtcEndpoint') {
      if (constructorParams === undefined) throw KmsError.marshall("'constructorParams' is required");
      const pipelineId = stringParam(constructorParams, 'mediaPipeline');
      const pipeline = this.pipelines.get(pipelineId);
      if (!pipeline) {
        // KMS 7.3.1 finds the object, fails to cast it to a pipeline, and says so in C++ terms.
        if (this.endpoints.has(pipelineId)) throw new KmsError(-32603, 'Unexpected error while processing method: bad_weak_ptr');
        throw this.notFound(pipelineId);
      }
      const id = `${pipelineId}/${randomUUID()}_kurento.WebRtcEndpoint`;
      this.endpoints.set(id, {
        id, pipelineId, sessionId, createdAt: Date.now(), sinks: new Set(), source: undefined, negotiation: 'none',
        sections: [], localSdp: undefined, remoteSdp: undefined, remoteCandidates: [], gathered: false, name: id,
      });
      pipeline.endpoints.add(id);
      return id;
    }
    throw KmsError.of('MEDIA_OBJECT_NOT_AVAILABLE', `Factory '${type}' not found`);
  }

  describe(objectId: string): { type: string; qualifiedType: string; hierarchy: string[] } {
    if (objectId === SERVER_MANAGER_ID) return { type: 'ServerManager', qualifiedType: 'kurento.ServerManager', hierarchy: ['kurento.MediaObject'] };
    if (this.pipelines.has(objectId)) return { type: 'MediaPipeline', qualifiedType: 'kurento.MediaPipeline', hierarchy: ['kurento.MediaObject'] };
    if (this.endpoints.has(objectId)) return { type: 'WebRtcEndpoint', qualifiedType: 'kurento.WebRtcEndpoint', hierarchy: WEBRTC_HIERARCHY };
    throw this.notFound(objectId);
  }

  /** Unknown ids succeed, as KMS's release does: releasing twice is not an error. */
  release(objectId: string): void {
    const pipeline = this.pipelines.get(objectId);
    if (pipeline) {
      for (const endpointId of [...pipeline.endpoints]) this.releaseEndpoint(endpointId);
      this.pipelines.delete(objectId);
      this.dropSubscriptionsOf(objectId);
      return;
    }
    this.releaseEndpoint(objectId);
  }

  private releaseEndpoint(id: string): void {
    const endpoint = this.endpoints.get(id);
    if (!endpoint) return;
    for (const sinkId of endpoint.sinks) {
      const sink = this.endpoints.get(sinkId);
      if (sink && sink.source === id) sink.source = undefined;
    }
    if (endpoint.source) this.endpoints.get(endpoint.source)?.sinks.delete(id);
    this.pipelines.get(endpoint.pipelineId)?.endpoints.delete(id);
    this.endpoints.delete(id);
    this.dropSubscriptionsOf(id);
  }

  private dropSubscriptionsOf(objectId: string): void {
    for (const [subId, sub] of this.subscriptions) if (sub.objectId === objectId) this.subscriptions.delete(subId);
  }

  // ---- events ----

  subscribe(sessionId: string, objectId: string, type: string): string {
    const kind = objectId === SERVER_MANAGER_ID ? 'ServerManager' : this.pipelines.has(objectId) ? 'MediaPipeline' : this.endpoints.has(objectId) ? 'WebRtcEndpoint' : undefined;
    if (!kind) throw this.notFound(objectId);
    if (!eventsOf(kind, this.settings.generation).has(type)) throw KmsError.of('MEDIA_OBJECT_EVENT_NOT_SUPPORTED', `Event '${type}' not supported`);
    const id = randomUUID();
    this.subscriptions.set(id, { objectId, type, sessionId });
    return id;
  }

  /** KMS does not complain about unknown subscriptions either. */
  unsubscribe(subscriptionId: string): void {
    this.subscriptions.delete(subscriptionId);
  }

  private fire(objectId: string, type: string, extra: Record<string, unknown>): void {
    const data = { ...extra, source: objectId, tags: [], timestampMillis: String(Date.now()), type };
    for (const sub of this.subscriptions.values()) {
      if (sub.objectId === objectId && sub.type === type) this.emit({ sessionId: sub.sessionId, objectId, type, data });
    }
  }

  // ---- invoke ----

  invoke(objectId: string, operation: string, params: Params): unknown {
    if (objectId === SERVER_MANAGER_ID) return this.invokeServerManager(operation, params);
    const pipeline = this.pipelines.get(objectId);
    if (pipeline) return this.invokePipeline(pipeline, operation, params);
    const endpoint = this.endpoints.get(objectId);
    if (endpoint) return this.invokeEndpoint(endpoint, operation, params);
    throw this.notFound(objectId);
  }

  private invokeServerManager(operation: string, params: Params): unknown {
    switch (operation) {
      case 'getInfo':
        return {
          __module__: 'kurento',
          __type__: 'ServerInfo',
          version: this.settings.version,
          modules: ['core', 'elements', 'filters'].map((name) => ({
            __module__: 'kurento',
            __type__: 'ModuleInfo',
            version: this.settings.version,
            name,
            generationTime: 'emulated',
            factories: name === 'core' ? ['HubPort', 'MediaPipeline', 'PassThrough'] : name === 'elements' ? ['WebRtcEndpoint'] : [],
          })),
          type: 'KMS',
          capabilities: ['transactions'],
        };
      case 'getPipelines':
        return [...this.pipelines.keys()];
      // The ServerManager's children are not its pipelines: KMS 7.3.1 answers an empty list.
      case 'getChildren':
        return [];
      case 'getSessions':
        return [...this.sessions];
      case 'getUsedMemory':
        return Math.round(process.memoryUsage().rss / 1024);
      case 'getCpuCount':
        return 2;
      case 'getUsedCpu':
        stringParam(params, 'interval');
        return 1.5;
      case 'getName':
        return SERVER_MANAGER_ID;
      case 'getCreationTime':
        return Math.floor(this.startedAt / 1000);
      case 'getKmd':
        return `{"name":"${stringParam(params, 'moduleName')}"}`;
      default:
        throw operationNotFound(operation, params);
    }
  }

  private invokePipeline(pipeline: PipelineRecord, operation: string, params: Params): unknown {
    switch (operation) {
      case 'getChildren':
        return [...pipeline.endpoints];
      case 'getName':
        return pipeline.name;
      case 'setName':
        pipeline.name = stringParam(params, 'name');
        return null;
      case 'getCreationTime':
        return Math.floor(pipeline.createdAt / 1000);
      case 'getParent':
        return SERVER_MANAGER_ID;
      case 'getMediaPipeline':
        return pipeline.id;
      case 'getLatencyStats':
        return false;
      default:
        throw operationNotFound(operation, params);
    }
  }

  private invokeEndpoint(endpoint: EndpointRecord, operation: string, params: Params): unknown {
    switch (operation) {
      case 'connect':
      case 'disconnect': {
        const sinkId = stringParam(params, 'sink');
        enumParam(params, 'mediaType', 'MediaType');
        if (this.pipelines.has(sinkId) || sinkId === SERVER_MANAGER_ID) {
          // KMS 7.3.1 dies with SIGSEGV when asked to connect an element to a non-element.
          this.settings.crash(`${operation} with a ${sinkId === SERVER_MANAGER_ID ? 'ServerManager' : 'MediaPipeline'} as sink`);
          return null;
        }
        const sink = this.endpoints.get(sinkId);
        if (!sink) throw this.notFound(sinkId);
        if (operation === 'connect') this.connect(endpoint, sink);
        else {
          endpoint.sinks.delete(sinkId);
          if (sink.source === endpoint.id) sink.source = undefined;
        }
        return null;
      }
      case 'processOffer':
        return this.recordSdp(endpoint, 'processOffer', () => {
          const offer = stringParam(params, 'offer');
          if (endpoint.negotiation !== 'none') throw KmsError.of('SDP_END_POINT_ALREADY_NEGOTIATED', 'Endpoint already negotiated');
          const sections = parseSdp(offer);
          const answer = buildAnswer(sections);
          endpoint.sections = sections;
          endpoint.remoteSdp = offer;
          endpoint.localSdp = answer;
          endpoint.negotiation = 'offerProcessed';
          return answer;
        });
      case 'generateOffer':
        return this.recordSdp(endpoint, 'generateOffer', () => {
          if (endpoint.negotiation !== 'none') throw KmsError.of('SDP_END_POINT_ALREADY_NEGOTIATED', 'Endpoint already negotiated');
          const offer = buildOffer();
          endpoint.sections = parseSdp(offer);
          endpoint.localSdp = offer;
          endpoint.negotiation = 'offerGenerated';
          return offer;
        });
      case 'processAnswer':
        return this.recordSdp(endpoint, 'processAnswer', () => {
          const answer = stringParam(params, 'answer');
          if (endpoint.negotiation === 'answerProcessed') {
            throw KmsError.of('SDP_END_POINT_ANSWER_ALREADY_PROCCESED', 'Sdp Answer already processed');
          }
          if (endpoint.negotiation !== 'offerGenerated') throw KmsError.of('SDP_END_POINT_NOT_OFFER_GENERATED', 'Offer not generated. It is not possible to process an answer.');
          parseSdp(answer, 'answer');
          endpoint.remoteSdp = answer;
          endpoint.negotiation = 'answerProcessed';
          return endpoint.localSdp ?? '';
        });
      case 'gatherCandidates':
        this.scheduleGathering(endpoint);
        return null;
      case 'addIceCandidate':
        // KMS accepts a candidate line it cannot parse (it only logs a warning), but not a malformed object.
        endpoint.remoteCandidates.push(candidateParam(params));
        return null;
      case 'getLocalSessionDescriptor':
        return endpoint.localSdp ?? '';
      case 'getRemoteSessionDescriptor':
        return endpoint.remoteSdp ?? '';
      case 'getMediaPipeline':
      case 'getParent':
        return endpoint.pipelineId;
      case 'getName':
        return endpoint.name;
      case 'setName':
        endpoint.name = stringParam(params, 'name');
        return null;
      case 'getChildren':
        return [];
      case 'getCreationTime':
        return Math.floor(endpoint.createdAt / 1000);
      // No media ever flows through the emulator: the states are those of a session that never connected.
      case 'getMediaState':
      case 'getConnectionState':
        return 'DISCONNECTED';
      case 'getIceConnectionState':
        return [];
      case 'isMediaFlowingIn':
      case 'isMediaFlowingOut':
        enumParam(params, 'mediaType', 'MediaType', true);
        return false;
      case 'getStats':
        enumParam(params, 'mediaType', 'MediaType');
        return {};
      default:
        throw operationNotFound(operation, params);
    }
  }

  /** KMS allows one source per sink: connecting a new source replaces the old connection. */
  private connect(source: EndpointRecord, sink: EndpointRecord): void {
    if (sink.pipelineId !== source.pipelineId) {
      throw KmsError.of('MEDIA_OBJECT_ILLEGAL_PARAM_ERROR', 'Cannot connect elements of different pipelines');
    }
    if (sink.source && sink.source !== source.id) this.endpoints.get(sink.source)?.sinks.delete(sink.id);
    sink.source = source.id;
    source.sinks.add(sink.id);
  }

  private recordSdp(endpoint: EndpointRecord, operation: SdpOperation, work: () => string): string {
    try {
      const result = work();
      this.sdpLog.push({ objectId: endpoint.id, operation, ok: true, at: Date.now() });
      return result;
    } catch (error) {
      this.sdpLog.push({ objectId: endpoint.id, operation, ok: false, at: Date.now() });
      throw error;
    }
  }

  /**
   * One event per candidate and media section (KMS announces each bundled candidate for every section),
   * then IceGatheringDone. The first candidates go out before the `gatherCandidates` answer, as they
   * often do from KMS 7.3.1 (its answer to the Chromium loopback came after the first events); the rest
   * shortly after.
   */
  private scheduleGathering(endpoint: EndpointRecord): void {
    if (endpoint.gathered) return;
    endpoint.gathered = true;
    this.announceCandidates(endpoint, 0, 1);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.endpoints.has(endpoint.id)) return;
      this.announceCandidates(endpoint, 1, this.settings.candidatesPerSection);
      this.fire(endpoint.id, 'IceGatheringDone', {});
    }, 5);
    this.timers.add(timer);
  }

  private announceCandidates(endpoint: EndpointRecord, from: number, to: number): void {
    const sections = endpoint.sections.length > 0 ? endpoint.sections : [{ mid: '0', port: 1 }];
    for (let n = from; n < Math.min(to, this.settings.candidatesPerSection); n += 1) {
      sections.forEach((section, index) => {
        if (section.port === 0) return;
        this.fire(endpoint.id, 'IceCandidateFound', {
          candidate: {
            __module__: 'kurento',
            __type__: 'IceCandidate',
            candidate: `candidate:${n + 1} 1 UDP ${2015363327 - n} 127.0.0.1 ${40000 + n} typ host`,
            sdpMLineIndex: index,
            sdpMid: section.mid,
          },
        });
      });
    }
  }

  private notFound(objectId: string): KmsError {
    return KmsError.of('MEDIA_OBJECT_NOT_FOUND', `Object '${objectId}' not found`);
  }

  // ---- inspection ----

  pipelineViews(): { id: string; sessionId: string; endpoints: string[] }[] {
    return [...this.pipelines.values()].map((p) => ({ id: p.id, sessionId: p.sessionId, endpoints: [...p.endpoints] }));
  }

  endpointViews(): EndpointView[] {
    return [...this.endpoints.values()].map((e) => ({
      id: e.id,
      pipelineId: e.pipelineId,
      source: e.source,
      sinks: [...e.sinks],
      negotiation: e.negotiation,
      remoteCandidates: [...e.remoteCandidates],
      subscriptions: [...this.subscriptions.values()].filter((s) => s.objectId === e.id).map((s) => s.type),
    }));
  }

  sdpCalls(): SdpCall[] {
    return [...this.sdpLog];
  }

  objectCount(): number {
    return this.pipelines.size + this.endpoints.size;
  }

  subscriptionCount(): number {
    return this.subscriptions.size;
  }

  /** A dead or restarted KMS forgets everything and fires nothing more. */
  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

export interface EndpointView {
  readonly id: string;
  readonly pipelineId: string;
  /** The element whose media this endpoint receives, if any. */
  readonly source: string | undefined;
  readonly sinks: readonly string[];
  readonly negotiation: NegotiationState;
  readonly remoteCandidates: readonly WireIceCandidate[];
  readonly subscriptions: readonly string[];
}
