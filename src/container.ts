import { Container, type ServiceIdentifier } from 'inversify';
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import {
  AddIceCandidate,
  AdminModeration,
  DrainNode,
  JoinRoom,
  KeyedMutex,
  LeaveRoom,
  NegotiateMedia,
  RelayMediaEvents,
  RoomDeparture,
  RoomHolds,
  RoomRegistry,
  ReportLostRoom,
  ResumeSession,
  SeatHolds,
  SeedLinks,
  SetMediaState,
  Welcome,
  type ClientNotifier,
  type Clock,
  type CoreDependencies,
  type Logger,
  type MediaGateway,
  type PresenceNotifier,
  type RoomPlacement,
  type RoomStateStore,
  type TokenVerifier,
} from './application';
import type { RoomId } from './domain';
import { adminRoutes } from './adapters/http/admin-routes';
import { healthRoutes } from './adapters/http/health-routes';
import { HttpFront } from './adapters/http/http-front';
import { staticFileRoute } from './adapters/http/static-files';
import { SignalingMetrics } from './adapters/metrics/signaling-metrics';
import { TrafficCounter } from './adapters/metrics/traffic-counter';
import { timedJoin } from './adapters/metrics/timed-join';
import { TimedMediaGateway } from './adapters/metrics/timed-media-gateway';
import { TimedRoomStateStore } from './adapters/metrics/timed-room-state-store';
import { SystemClock } from './adapters/system/system-clock';
import { SystemScheduler } from './adapters/system/system-scheduler';
import { RandomResumeTokens } from './adapters/resume/random-resume-tokens';
import { ConnectionHub } from './adapters/websocket/connection-hub';
import { MessageDispatcher } from './adapters/websocket/message-dispatcher';
import { SessionFactory } from './adapters/websocket/session-factory';
import { SockJsTransport } from './adapters/websocket/sockjs-transport';
import { WebSocketTransport } from './adapters/websocket/websocket-transport';
import type { Config } from './config';
import { createMediaBackend } from './composition/media-backend';
import { createMemoryState } from './composition/memory-state';
import type { LifecyclePart } from './composition/node-lifecycle';
import { createPresence, type PresenceBackend } from './composition/presence';
import { createRedisState } from './composition/redis-state';
import { createTokenVerifier, readAdminToken } from './composition/auth';
import { readNodeLimits } from './composition/limits';
import { metricsRoutes, readMetricsEndpoint } from './composition/metrics-endpoint';
import { createIceServers } from './composition/ice-servers';
import { readResumeGraceMs } from './composition/session-resume';
import type { StateBackend } from './composition/state-backend';

/** Service identifiers: one per port and per piece the composition needs to reach. */
export const TOKENS = {
  Config: Symbol('Config'),
  Logger: Symbol('Logger'),
  Clock: Symbol('Clock'),
  Registry: Symbol('RoomRegistry'),
  Locks: Symbol('RoomLocks'),
  MediaGateway: Symbol('MediaGateway'),
  RoomStateStore: Symbol('RoomStateStore'),
  RoomPlacement: Symbol('RoomPlacement'),
  ConnectionHub: Symbol('ConnectionHub'),
  ClientNotifier: Symbol('ClientNotifier'),
  PresenceNotifier: Symbol('PresenceNotifier'),
  TokenVerifier: Symbol('TokenVerifier'),
  CoreDependencies: Symbol('CoreDependencies'),
  RoomDeparture: Symbol('RoomDeparture'),
  RoomHolds: Symbol('RoomHolds'),
  JoinRoom: Symbol('JoinRoom'),
  ResumeSession: Symbol('ResumeSession'),
  SeatHolds: Symbol('SeatHolds'),
  Welcome: Symbol('Welcome'),
  NegotiateMedia: Symbol('NegotiateMedia'),
  AddIceCandidate: Symbol('AddIceCandidate'),
  SetMediaState: Symbol('SetMediaState'),
  LeaveRoom: Symbol('LeaveRoom'),
  RelayMediaEvents: Symbol('RelayMediaEvents'),
  DrainNode: Symbol('DrainNode'),
  AdminModeration: Symbol('AdminModeration'),
  Draining: Symbol('Draining'),
  MessageDispatcher: Symbol('MessageDispatcher'),
  SessionFactory: Symbol('SessionFactory'),
  WebSocketTransport: Symbol('WebSocketTransport'),
  SockJsTransport: Symbol('SockJsTransport'),
  HttpFront: Symbol('HttpFront'),
  /** Set only with METRICS_PORT: the front that serves /metrics on a port of its own. */
  MetricsFront: Symbol('MetricsFront'),
  StateBackend: Symbol('StateBackend'),
  PresenceBackend: Symbol('PresenceBackend'),
  ReportLostRoom: Symbol('ReportLostRoom'),
  Lifecycle: Symbol('Lifecycle'),
  Metrics: Symbol('Metrics'),
} as const;

/** Set when the node starts to shut down; readiness turns false at once. */
export interface DrainingFlag {
  value: boolean;
}

const WEBSOCKET_PATH = '/rtc/websocket';
const SOCKJS_PREFIX = '/rtc';

/** The demo page is built next to the compiled server; tests run from source and find it in dist/. */
const defaultStaticDir = (): string => {
  const candidates = [resolve(__dirname, 'public'), resolve(__dirname, '..', 'dist', 'public')];
  return candidates.find((dir) => existsSync(dir)) ?? candidates[0]!;
};


/** What the process around the node provides besides the logger. */
export interface NodeExtras {
  /** Lines the stdout log sink dropped, for the metric. */
  readonly logLinesDropped?: () => number;
}

/** Builds the object graph of one signaling node from its configuration. */
export const buildContainer = (config: Config, logger: Logger, extras: NodeExtras = {}): Container => {
  const draining: DrainingFlag = { value: false };
  // Read before anything is built so a bad limit or auth variable stops the node at once.
  const limits = readNodeLimits(config);
  const adminToken = readAdminToken(config);
  const metricsEndpoint = readMetricsEndpoint(config);
  const resumeGraceMs = readResumeGraceMs(config);
  const iceServers = createIceServers(config);
  const c = new Container({ defaultScope: 'Singleton' });
  const get = <T>(id: ServiceIdentifier<T>): T => c.get<T>(id);

  c.bind<Config>(TOKENS.Config).toConstantValue(config);
  c.bind<Logger>(TOKENS.Logger).toConstantValue(logger);
  c.bind<Clock>(TOKENS.Clock).toConstantValue(new SystemClock());
  c.bind(TOKENS.Registry).toConstantValue(new RoomRegistry());
  c.bind(TOKENS.Locks).toConstantValue(new KeyedMutex<RoomId>());
  c.bind(TOKENS.Metrics).toDynamicValue(
    () =>
      new SignalingMetrics(
        {
          connections: () => get<ConnectionHub>(TOKENS.ConnectionHub).size,
          rooms: () => get<RoomRegistry>(TOKENS.Registry).roomCount,
          participants: () => get<RoomRegistry>(TOKENS.Registry).participantCount,
          presenceOutboxDepth: () => get<PresenceBackend>(TOKENS.PresenceBackend).outboxDepth?.() ?? 0,
          ...(extras.logLinesDropped ? { logLinesDropped: extras.logLinesDropped } : {}),
        },
        { node: config.nodeId },
      ),
  );
  const metrics = (): SignalingMetrics => get<SignalingMetrics>(TOKENS.Metrics);
  c.bind<MediaGateway>(TOKENS.MediaGateway).toDynamicValue(() => new TimedMediaGateway(createMediaBackend(config, logger), metrics()));
  c.bind<StateBackend>(TOKENS.StateBackend).toDynamicValue(() =>
    config.STATE_STORE === 'redis' ? createRedisState(config, logger) : createMemoryState(config, logger),
  );
  c.bind<RoomStateStore>(TOKENS.RoomStateStore).toDynamicValue(
    () => new TimedRoomStateStore(get<StateBackend>(TOKENS.StateBackend).store, metrics()),
  );
  c.bind<RoomPlacement>(TOKENS.RoomPlacement).toDynamicValue(() => get<StateBackend>(TOKENS.StateBackend).placement);
  c.bind(TOKENS.ConnectionHub).toDynamicValue(
    () => new ConnectionHub(new TrafficCounter(metrics()), { maxBacklogBytes: limits.maxSendBacklogBytes, logger }),
  );
  c.bind<ClientNotifier>(TOKENS.ClientNotifier).toService(TOKENS.ConnectionHub);
  c.bind<PresenceBackend>(TOKENS.PresenceBackend).toDynamicValue(() =>
    createPresence(config, logger, get<StateBackend>(TOKENS.StateBackend).redis),
  );
  c.bind<PresenceNotifier>(TOKENS.PresenceNotifier).toDynamicValue(() => get<PresenceBackend>(TOKENS.PresenceBackend).notifier);
  // Started in this order before the node listens, stopped in reverse after it stops serving.
  c.bind<readonly LifecyclePart[]>(TOKENS.Lifecycle).toDynamicValue(() => [
    ...get<StateBackend>(TOKENS.StateBackend).lifecycle,
    ...get<PresenceBackend>(TOKENS.PresenceBackend).lifecycle,
  ]);
  c.bind<TokenVerifier>(TOKENS.TokenVerifier).toConstantValue(createTokenVerifier(config, logger));

  c.bind<CoreDependencies>(TOKENS.CoreDependencies).toDynamicValue(() => ({
    registry: get(TOKENS.Registry),
    locks: get(TOKENS.Locks),
    media: get(TOKENS.MediaGateway),
    store: get(TOKENS.RoomStateStore),
    placement: get(TOKENS.RoomPlacement),
    clients: get(TOKENS.ClientNotifier),
    presence: get(TOKENS.PresenceNotifier),
    tokens: get(TOKENS.TokenVerifier),
    resumeTokens: new RandomResumeTokens(),
    iceServers,
    clock: get(TOKENS.Clock),
    scheduler: new SystemScheduler(),
    logger,
    settings: {
      roomCapacity: config.ROOM_CAPACITY,
      nodeId: config.nodeId,
      resumeGraceMs,
      ...(config.MAX_ROOMS_PER_NODE !== undefined ? { maxRoomsPerNode: config.MAX_ROOMS_PER_NODE } : {}),
    },
  }));
  const deps = (): CoreDependencies => get(TOKENS.CoreDependencies);
  c.bind(TOKENS.RoomDeparture).toDynamicValue(() => new RoomDeparture(deps()));
  c.bind(TOKENS.RoomHolds).toDynamicValue(() => new RoomHolds(deps()));
  c.bind(TOKENS.SeatHolds).toDynamicValue(() => new SeatHolds(deps(), get(TOKENS.RoomDeparture)));
  c.bind(TOKENS.Welcome).toDynamicValue(() => new Welcome(deps()));
  c.bind(TOKENS.JoinRoom).toDynamicValue(
    () => new JoinRoom(deps(), get(TOKENS.RoomDeparture), get(TOKENS.RoomHolds), get(TOKENS.ReportLostRoom), get(TOKENS.SeatHolds), get(TOKENS.Welcome)),
  );
  c.bind(TOKENS.ResumeSession).toDynamicValue(
    () =>
      new ResumeSession(deps(), get(TOKENS.RoomDeparture), get(TOKENS.RoomHolds), get(TOKENS.ReportLostRoom), get(TOKENS.SeatHolds), get(TOKENS.Welcome)),
  );
  c.bind(TOKENS.NegotiateMedia).toDynamicValue(() => new NegotiateMedia(deps(), get(TOKENS.RoomHolds)));
  c.bind(TOKENS.AddIceCandidate).toDynamicValue(() => new AddIceCandidate(deps(), get(TOKENS.RoomHolds)));
  c.bind(TOKENS.SetMediaState).toDynamicValue(() => new SetMediaState(deps(), get(TOKENS.RoomHolds)));
  c.bind(TOKENS.LeaveRoom).toDynamicValue(() => new LeaveRoom(deps(), get(TOKENS.RoomDeparture), get(TOKENS.SeatHolds)));
  c.bind(TOKENS.RelayMediaEvents).toDynamicValue(() => new RelayMediaEvents(deps(), get(TOKENS.RoomDeparture)));
  c.bind(TOKENS.DrainNode).toDynamicValue(() => new DrainNode(deps(), get(TOKENS.RoomDeparture)));
  c.bind(TOKENS.AdminModeration).toDynamicValue(() => new AdminModeration(deps(), get(TOKENS.RoomDeparture)));
  c.bind(TOKENS.ReportLostRoom).toDynamicValue(() => new ReportLostRoom(deps()));
  c.bind(TOKENS.Draining).toConstantValue(draining);

  c.bind(TOKENS.MessageDispatcher).toDynamicValue(
    () =>
      new MessageDispatcher(
        {
          joinRoom: timedJoin(get(TOKENS.JoinRoom), metrics()),
          resumeSession: get(TOKENS.ResumeSession),
          negotiate: get(TOKENS.NegotiateMedia),
          addIceCandidate: get(TOKENS.AddIceCandidate),
          setMediaState: get(TOKENS.SetMediaState),
          leaveRoom: get(TOKENS.LeaveRoom),
          seedLinks: new SeedLinks(get(TOKENS.Registry)),
        },
        get(TOKENS.ClientNotifier),
      ),
  );
  c.bind(TOKENS.SessionFactory).toDynamicValue(
    () =>
      new SessionFactory(get(TOKENS.ConnectionHub), get(TOKENS.MessageDispatcher), get(TOKENS.LeaveRoom), logger, {
        maxMessageBytes: config.MAX_MESSAGE_BYTES,
        maxQueuedMessages: config.MAX_QUEUED_MESSAGES,
        ...limits.session,
      }),
  );
  c.bind(TOKENS.WebSocketTransport).toDynamicValue(
    () =>
      new WebSocketTransport(get(TOKENS.SessionFactory), logger, WEBSOCKET_PATH, {
        // Four times the soft limit: a client a little over gets a typed error, a flood of bytes is cut off.
        hardMaxFrameBytes: config.MAX_MESSAGE_BYTES * 4,
        pingIntervalMs: config.PING_INTERVAL_MS,
        guard: limits.guard,
      }),
  );
  c.bind(TOKENS.SockJsTransport).toDynamicValue(
    () =>
      new SockJsTransport(
        get(TOKENS.SessionFactory),
        logger,
        SOCKJS_PREFIX,
        {
          heartbeatMs: 25_000,
          disconnectDelayMs: 5_000,
          pingIntervalMs: config.PING_INTERVAL_MS,
          // The same hard limit as a plain WebSocket frame, for a SockJS frame and an xhr_send body.
          hardMaxFrameBytes: config.MAX_MESSAGE_BYTES * 4,
        },
        limits.guard,
      ),
  );
  const httpOptions = { ...limits.http, admitRequest: limits.admitRequest, clientAddress: limits.clientAddress };
  if (metricsEndpoint.port !== undefined) {
    c.bind(TOKENS.MetricsFront).toDynamicValue(() => {
      const front = new HttpFront(logger, httpOptions);
      front.addRoutes(metricsRoutes(metricsEndpoint, metrics()));
      return front;
    });
  }
  c.bind(TOKENS.HttpFront).toDynamicValue(() => {
    const front = new HttpFront(logger, httpOptions);
    const ws = get<WebSocketTransport>(TOKENS.WebSocketTransport);
    const sockJs = get<SockJsTransport>(TOKENS.SockJsTransport);
    // Order matters: `/rtc/websocket` is plain WebSocket, everything else under `/rtc` is SockJS.
    front.addUpgradeTarget(ws);
    front.addUpgradeTarget(sockJs);
    front.addRequestTarget(sockJs);
    front.addRoutes(
      healthRoutes(
        [
          { name: 'mediaBackend', isReady: () => get<MediaGateway>(TOKENS.MediaGateway).isAvailable() },
          { name: 'stateStore', isReady: () => get<RoomStateStore>(TOKENS.RoomStateStore).isAvailable() },
          get<PresenceBackend>(TOKENS.PresenceBackend).readiness,
        ],
        () => draining.value,
      ),
    );
    front.addRoutes(get<StateBackend>(TOKENS.StateBackend).routes);
    if (metricsEndpoint.port === undefined) front.addRoutes(metricsRoutes(metricsEndpoint, metrics()));
    if (adminToken !== undefined) {
      front.addRoutes(adminRoutes(get(TOKENS.AdminModeration), adminToken, logger, { clientAddress: limits.clientAddress }));
    }
    front.addRoutes([staticFileRoute(config.STATIC_DIR ?? defaultStaticDir())]);
    return front;
  });
  return c;
};
