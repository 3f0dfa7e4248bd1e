import type { ServiceIdentifier } from 'inversify';
import type {
  ClientNotifier,
  Clock,
  IceServerProvider,
  KeyedMutex,
  Logger,
  MediaGateway,
  PresenceNotifier,
  ResumeTokens,
  RoomPlacement,
  RoomStateStore,
  Scheduler,
  SignalingSettings,
  TokenVerifier,
} from '../application';
import type { RoomId } from '../domain';
import type { HttpFront } from '../adapters/http/http-front';
import type { Config } from '../config';
import type { NodeLimits } from './limits';
import type { MetricsEndpoint } from './metrics-endpoint';
import type { LifecyclePart } from './node-lifecycle';
import type { PresenceBackend } from './presence';
import type { StateBackend } from './state-backend';

/** Set when the node starts to shut down; readiness turns false at once. */
export interface DrainingFlag {
  value: boolean;
}

/** What the process around the node provides besides the logger. */
export interface NodeExtras {
  /** Lines the stdout log sink dropped, for the metric. */
  readonly logLinesDropped?: () => number;
}

/** ADMIN_TOKEN, when the admin API is on. */
export interface AdminAccess {
  readonly token: string | undefined;
}

// A symbol typed with what it names: `container.get(Ids.MediaGateway)` is a MediaGateway, no cast.
const id = <T>(name: string): ServiceIdentifier<T> => Symbol(name);

/**
 * Service identifiers for what has no class of its own to name it: the ports, the settings, and the
 * pieces a backend module contributes. Concrete classes (use cases, the websocket adapter's parts) are
 * their own identifiers.
 */
export const Ids = {
  Config: id<Config>('Config'),
  Logger: id<Logger>('Logger'),
  NodeExtras: id<NodeExtras>('NodeExtras'),
  Draining: id<DrainingFlag>('Draining'),
  Limits: id<NodeLimits>('NodeLimits'),
  Settings: id<SignalingSettings>('SignalingSettings'),
  Locks: id<KeyedMutex<RoomId>>('RoomLocks'),
  Clock: id<Clock>('Clock'),
  Scheduler: id<Scheduler>('Scheduler'),
  ResumeTokens: id<ResumeTokens>('ResumeTokens'),
  IceServers: id<IceServerProvider>('IceServerProvider'),
  TokenVerifier: id<TokenVerifier>('TokenVerifier'),
  AdminAccess: id<AdminAccess>('AdminAccess'),
  /** The media module's gateway as built; `MediaGateway` is the same one, timed for the metrics. */
  MediaBackend: id<MediaGateway>('MediaBackend'),
  MediaGateway: id<MediaGateway>('MediaGateway'),
  /** What the state module brings: store, placement, routes, lifecycle. */
  StateBackend: id<StateBackend>('StateBackend'),
  RoomStateStore: id<RoomStateStore>('RoomStateStore'),
  RoomPlacement: id<RoomPlacement>('RoomPlacement'),
  PresenceBackend: id<PresenceBackend>('PresenceBackend'),
  PresenceNotifier: id<PresenceNotifier>('PresenceNotifier'),
  ClientNotifier: id<ClientNotifier>('ClientNotifier'),
  MetricsEndpoint: id<MetricsEndpoint>('MetricsEndpoint'),
  HttpFront: id<HttpFront>('HttpFront'),
  /** Bound only with METRICS_PORT: the front that serves /metrics on a port of its own. */
  MetricsFront: id<HttpFront>('MetricsFront'),
  /** Bound once by each module that has parts to start and stop, in module order: started so, stopped reversed. */
  LifecycleParts: id<readonly LifecyclePart[]>('LifecycleParts'),
} as const;

/** A class's constructor as a factory, so `toResolvedValue` checks each identifier against its parameter. */
export const construct =
  <A extends unknown[], T>(type: new (...args: A) => T) =>
  (...args: A): T =>
    new type(...args);
