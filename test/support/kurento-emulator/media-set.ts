import { randomUUID } from 'node:crypto';
import { KmsError } from './kms-error';
import { buildAnswer, buildOffer, parseSdp, type MediaSection } from './sdp';

export const SERVER_MANAGER_ID = 'manager_ServerManager';

export type NegotiationState = 'none' | 'offerProcessed' | 'offerGenerated' | 'answerProcessed';
export type SdpOperation = 'processOffer' | 'generateOffer' | 'processAnswer';

export interface SdpCall {
  readonly objectId: string;
  readonly operation: SdpOperation;
  readonly ok: boolean;
  readonly at: number;
}

export interface WireIceCandidate {
  readonly candidate: string;
  readonly sdpMid: string;
  readonly sdpMLineIndex: number;
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

const PIPELINE_HIERARCHY = ['kurento.MediaObject'];
const WEBRTC_HIERARCHY = [
  'kurento.BaseRtpEndpoint',
  'kurento.SdpEndpoint',
  'kurento.SessionEndpoint',
  'kurento.Endpoint',
  'kurento.MediaElement',
  'kurento.MediaObject',
];
const WEBRTC_EVENTS = new Set([
  'IceCandidateFound', 'IceGatheringDone', 'IceComponentStateChanged', 'IceComponentStateChange', 'NewCandidatePairSelected',
  'DataChannelOpened', 'DataChannelClosed', 'DataChannelOpen', 'DataChannelClose', 'OnIceCandidate', 'OnIceGatheringDone',
  'ConnectionStateChanged', 'MediaStateChanged', 'MediaFlowInStateChanged', 'MediaFlowOutStateChanged', 'MediaFlowInStateChange',
  'MediaFlowOutStateChange', 'MediaTranscodingStateChanged', 'MediaTranscodingStateChange', 'ElementConnected',
  'ElementDisconnected', 'MediaSessionStarted', 'MediaSessionTerminated', 'KeyframeRequired', 'Error',
]);
const PIPELINE_EVENTS = new Set(['Error']);
const SERVER_MANAGER_EVENTS = new Set(['ObjectCreated', 'ObjectDestroyed', 'Error']);

const asString = (params: Record<string, unknown>, key: string): string => {
  const v = params[key];
  if (typeof v !== 'string') throw KmsError.invalidParams(`'${key}' parameter should be a string`);
  return v;
};

const asCandidate = (value: unknown): WireIceCandidate => {
  if (typeof value !== 'object' || value === null) throw KmsError.invalidParams("'candidate' parameter should be an object");
  const c = value as Record<string, unknown>;
  if (typeof c.candidate !== 'string' || typeof c.sdpMid !== 'string' || typeof c.sdpMLineIndex !== 'number') {
    throw KmsError.invalidParams("'candidate' should be an IceCandidate {candidate, sdpMid, sdpMLineIndex}");
  }
  return { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex };
};

/**
 * The emulated server's objects, as KMS's MediaSet holds them: pipelines, WebRtcEndpoints inside them,
 * the connections between elements, event subscriptions, and the SDP negotiation state KMS enforces.
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
    private readonly settings: { readonly candidatesPerSection: number; readonly version: string },
  ) {}

  // ---- sessions ----

  openSession(): string {
    const id = randomUUID();
    this.sessions.add(id);
    return id;
  }

  touchSession(id: string): void {
    this.sessions.add(id);
  }

  hasSession(id: string): boolean {
    return this.sessions.has(id);
  }

  // ---- create / describe / release ----

  create(sessionId: string, type: string, constructorParams: Record<string, unknown>): string {
    if (type === 'MediaPipeline') {
      const id = `${randomUUID()}_kurento.MediaPipeline`;
      this.pipelines.set(id, { id, sessionId, createdAt: Date.now(), endpoints: new Set(), name: id });
      return id;
    }
    if (type === 'WebRtcEndpoint') {
      const pipelineId = asString(constructorParams, 'mediaPipeline');
      const pipeline = this.pipelines.get(pipelineId);
      if (!pipeline) throw KmsError.of('MEDIA_OBJECT_NOT_FOUND', `Object '${pipelineId}' not found`);
      const id = `${pipelineId}/${randomUUID()}_kurento.WebRtcEndpoint`;
      this.endpoints.set(id, {
        id, pipelineId, sessionId, createdAt: Date.now(), sinks: new Set(), source: undefined, negotiation: 'none',
        sections: [], localSdp: undefined, remoteSdp: undefined, remoteCandidates: [], gathered: false, name: id,
      });
      pipeline.endpoints.add(id);
      return id;
    }
    throw KmsError.of('MEDIA_OBJECT_TYPE_NOT_FOUND', `Factory '${type}' not found`);
  }

  describe(objectId: string): { type: string; qualifiedType: string; hierarchy: string[] } {
    if (objectId === SERVER_MANAGER_ID) return { type: 'ServerManager', qualifiedType: 'kurento.ServerManager', hierarchy: ['kurento.MediaObject'] };
    if (this.pipelines.has(objectId)) return { type: 'MediaPipeline', qualifiedType: 'kurento.MediaPipeline', hierarchy: PIPELINE_HIERARCHY };
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
    const events = objectId === SERVER_MANAGER_ID
      ? SERVER_MANAGER_EVENTS
      : this.pipelines.has(objectId)
        ? PIPELINE_EVENTS
        : this.endpoints.has(objectId)
          ? WEBRTC_EVENTS
          : undefined;
    if (!events) throw this.notFound(objectId);
    if (!events.has(type)) throw KmsError.of('MEDIA_OBJECT_EVENT_NOT_SUPPORTED', `Event '${type}' not supported`);
    const id = randomUUID();
    this.subscriptions.set(id, { objectId, type, sessionId });
    return id;
  }

  /** KMS does not complain about unknown subscriptions either. */
  unsubscribe(subscriptionId: string): void {
    this.subscriptions.delete(subscriptionId);
  }

  private fire(objectId: string, type: string, extra: Record<string, unknown>): void {
    const now = Date.now();
    const data = { ...extra, source: objectId, tags: [], timestamp: String(Math.floor(now / 1000)), timestampMillis: String(now), type };
    for (const sub of this.subscriptions.values()) {
      if (sub.objectId === objectId && sub.type === type) this.emit({ sessionId: sub.sessionId, objectId, type, data });
    }
  }

  // ---- invoke ----

  invoke(objectId: string, operation: string, params: Record<string, unknown>): unknown {
    if (objectId === SERVER_MANAGER_ID) return this.invokeServerManager(operation, params);
    const pipeline = this.pipelines.get(objectId);
    if (pipeline) return this.invokePipeline(pipeline, operation, params);
    const endpoint = this.endpoints.get(objectId);
    if (endpoint) return this.invokeEndpoint(endpoint, operation, params);
    throw this.notFound(objectId);
  }

  private invokeServerManager(operation: string, params: Record<string, unknown>): unknown {
    switch (operation) {
      case 'getInfo':
        return {
          version: this.settings.version,
          modules: ['core', 'elements', 'filters'].map((name) => ({
            version: this.settings.version,
            name,
            generationTime: 'emulated',
            factories: name === 'core' ? ['MediaPipeline', 'PassThrough', 'HubPort'] : name === 'elements' ? ['WebRtcEndpoint', 'RtpEndpoint', 'PlayerEndpoint', 'RecorderEndpoint', 'Composite', 'Dispatcher', 'DispatcherOneToMany', 'AlphaBlending', 'Mixer', 'HttpPostEndpoint'] : ['FaceOverlayFilter', 'GStreamerFilter', 'ImageOverlayFilter', 'ZBarFilter'],
          })),
          type: 'KMS',
          capabilities: ['transactions'],
        };
      case 'getPipelines':
      case 'getChildren':
        return [...this.pipelines.keys()];
      case 'getSessions':
        return [...this.sessions];
      case 'getUsedMemory':
        return Math.round(process.memoryUsage().rss / 1024);
      case 'getCpuCount':
        return 2;
      case 'getUsedCpu':
        return 1.5;
      case 'getMetadata':
        return '';
      case 'getName':
        return SERVER_MANAGER_ID;
      case 'getCreationTime':
        return Math.floor(this.startedAt / 1000);
      case 'getKmd':
        return `{"name":"${asString(params, 'moduleName')}"}`;
      default:
        throw this.methodNotFound(operation);
    }
  }

  private invokePipeline(pipeline: PipelineRecord, operation: string, params: Record<string, unknown>): unknown {
    switch (operation) {
      case 'getChildren':
        return [...pipeline.endpoints];
      case 'getName':
        return pipeline.name;
      case 'setName':
        pipeline.name = asString(params, 'name');
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
        throw this.methodNotFound(operation);
    }
  }

  private invokeEndpoint(endpoint: EndpointRecord, operation: string, params: Record<string, unknown>): unknown {
    switch (operation) {
      case 'connect':
        this.connect(endpoint, asString(params, 'sink'));
        return null;
      case 'disconnect': {
        const sinkId = asString(params, 'sink');
        const sink = this.endpoints.get(sinkId);
        if (!sink) throw this.notFound(sinkId);
        endpoint.sinks.delete(sinkId);
        if (sink.source === endpoint.id) sink.source = undefined;
        return null;
      }
      case 'processOffer':
        return this.recordSdp(endpoint, 'processOffer', () => {
          if (endpoint.negotiation !== 'none') throw KmsError.of('SDP_END_POINT_ALREADY_NEGOTIATED', 'Endpoint already negotiated');
          const offer = asString(params, 'offer');
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
          if (endpoint.negotiation === 'answerProcessed') {
            throw KmsError.of('SDP_END_POINT_ANSWER_ALREADY_PROCCESED', 'Sdp Answer already processed');
          }
          if (endpoint.negotiation !== 'offerGenerated') throw KmsError.of('SDP_END_POINT_NOT_OFFER_GENERATED', 'Offer not generated. It is not possible to process an answer.');
          const answer = asString(params, 'answer');
          parseSdp(answer);
          endpoint.remoteSdp = answer;
          endpoint.negotiation = 'answerProcessed';
          return endpoint.localSdp ?? '';
        });
      case 'gatherCandidates':
        this.scheduleGathering(endpoint);
        return null;
      case 'addIceCandidate':
        endpoint.remoteCandidates.push(asCandidate(params.candidate));
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
        endpoint.name = asString(params, 'name');
        return null;
      case 'getChildren':
        return [];
      case 'getCreationTime':
        return Math.floor(endpoint.createdAt / 1000);
      case 'isMediaFlowingIn':
      case 'isMediaFlowingOut':
        return false;
      case 'setStunServerAddress':
      case 'setStunServerPort':
      case 'setTurnUrl':
      case 'setMaxVideoRecvBandwidth':
      case 'setMaxVideoSendBandwidth':
      case 'setMinVideoSendBandwidth':
      case 'setMaxAudioRecvBandwidth':
        return null;
      default:
        throw this.methodNotFound(operation);
    }
  }

  /** KMS allows one source per sink: connecting a new source replaces the old connection. */
  private connect(source: EndpointRecord, sinkId: string): void {
    const sink = this.endpoints.get(sinkId);
    if (!sink) throw this.notFound(sinkId);
    if (sink.pipelineId !== source.pipelineId) {
      throw KmsError.of('MEDIA_OBJECT_ILLEGAL_PARAM_ERROR', 'Cannot connect elements of different pipelines');
    }
    if (sink.source && sink.source !== source.id) this.endpoints.get(sink.source)?.sinks.delete(sinkId);
    sink.source = source.id;
    source.sinks.add(sinkId);
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

  /** Candidates come after the `gatherCandidates` response, one event each, then IceGatheringDone. */
  private scheduleGathering(endpoint: EndpointRecord): void {
    if (endpoint.gathered) return;
    endpoint.gathered = true;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.endpoints.has(endpoint.id)) return;
      const sections = endpoint.sections.length > 0 ? endpoint.sections : [{ mid: '0', port: 1 }];
      sections.forEach((section, index) => {
        if (section.port === 0) return;
        for (let n = 0; n < this.settings.candidatesPerSection; n += 1) {
          const port = 40000 + ((index * 10 + n) % 20000);
          this.fire(endpoint.id, 'IceCandidateFound', {
            candidate: {
              __module__: 'kurento',
              __type__: 'IceCandidate',
              candidate: `candidate:${n + 1} 1 UDP ${2015363327 - n} 127.0.0.1 ${port} typ host generation 0`,
              sdpMLineIndex: index,
              sdpMid: section.mid,
            },
          });
        }
      });
      this.fire(endpoint.id, 'IceGatheringDone', {});
    }, 5);
    this.timers.add(timer);
  }

  private notFound(objectId: string): KmsError {
    return KmsError.of('MEDIA_OBJECT_NOT_FOUND', `Object '${objectId}' not found`);
  }

  private methodNotFound(operation: string): KmsError {
    return KmsError.of('MEDIA_OBJECT_METHOD_NOT_FOUND', `Method '${operation}' not found`);
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
