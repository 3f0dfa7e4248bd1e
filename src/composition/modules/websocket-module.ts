import { ContainerModule, type ServiceIdentifier } from 'inversify';
import { AddIceCandidate, JoinRoom, LeaveRoom, NegotiateMedia, ResumeSession, SeedLinks, SetMediaState } from '../../application';
import { SignalingMetrics } from '../../adapters/metrics/signaling-metrics';
import { timedJoin } from '../../adapters/metrics/timed-join';
import { TrafficCounter } from '../../adapters/metrics/traffic-counter';
import { ConnectionHub } from '../../adapters/websocket/connection-hub';
import { HeldSeatAllowance } from '../../adapters/websocket/held-seat-allowance';
import { MessageDispatcher } from '../../adapters/websocket/message-dispatcher';
import { ConnectionSession, type OpenSession } from '../../adapters/websocket/connection-session';
import { SockJsTransport } from '../../adapters/websocket/sockjs-transport';
import { WebSocketTransport } from '../../adapters/websocket/websocket-transport';
import type { Config } from '../../config';
import { Ids } from '../service-ids';

/** Opens one connection's session: what both transports are given. */
const OpenSessionId: ServiceIdentifier<OpenSession> = Symbol('OpenSession');

export const WEBSOCKET_PATH = '/rtc/websocket';
export const SOCKJS_PREFIX = '/rtc';

/** The client-facing input: plain WebSocket and SockJS, one session per connection, the hub that reaches clients. */
export const websocketModule = (config: Config): ContainerModule =>
  new ContainerModule(({ bind }) => {
    bind(ConnectionHub).toResolvedValue(
      (metrics, limits, logger, settings) =>
        new ConnectionHub(new TrafficCounter(metrics), {
          maxBacklogBytes: limits.maxSendBacklogBytes,
          logger,
          onFlooder: limits.coolDownFlooder,
          heldSeats: new HeldSeatAllowance(limits.guard.perIp.maxPerIp, settings.resumeGraceMs, Date.now, limits.limitKeyOf),
        }),
      [SignalingMetrics, Ids.Limits, Ids.Logger, Ids.Settings],
    );
    bind(Ids.ClientNotifier).toService(ConnectionHub);
    bind(MessageDispatcher).toResolvedValue(
      (joinRoom, resumeSession, negotiate, addIceCandidate, setMediaState, leaveRoom, seedLinks, clients, metrics) =>
        new MessageDispatcher(
          { joinRoom: timedJoin(joinRoom, metrics), resumeSession, negotiate, addIceCandidate, setMediaState, leaveRoom, seedLinks },
          clients,
        ),
      [JoinRoom, ResumeSession, NegotiateMedia, AddIceCandidate, SetMediaState, LeaveRoom, SeedLinks, Ids.ClientNotifier, SignalingMetrics],
    );
    bind(OpenSessionId).toResolvedValue(
      (hub, dispatcher, leaveRoom, logger, limits): OpenSession => {
        const sessionLimits = { maxMessageBytes: config.MAX_MESSAGE_BYTES, maxQueuedMessages: config.MAX_QUEUED_MESSAGES, ...limits.session };
        return (connection) => {
          logger.debug({ connectionId: connection.id, transport: connection.transport, remote: connection.remoteAddress }, 'client connected');
          return new ConnectionSession(connection, hub, dispatcher, leaveRoom, logger, sessionLimits, limits.loopLoad);
        };
      },
      [ConnectionHub, MessageDispatcher, LeaveRoom, Ids.Logger, Ids.Limits],
    );
    bind(Ids.LifecycleParts).toResolvedValue(
      (limits, logger) => [
        {
          name: 'loop-load',
          start: async () =>
            limits.loopLoad.start({
              started: (stallMs) => logger.warn({ stallMs }, 'overloaded: refusing new joins (LOAD_SHED_LAG_MS)'),
              stopped: (joinsShed, lastedMs, why) =>
                logger.warn({ joinsShed, lastedMs, why }, why === 'recovered' ? 'no longer overloaded: admitting joins again' : 'stopped while refusing joins for overload'),
            }),
          stop: async () => limits.loopLoad.stop(),
        },
      ],
      [Ids.Limits, Ids.Logger],
    );
    bind(WebSocketTransport).toResolvedValue(
      (sessions: OpenSession, logger, limits) =>
        new WebSocketTransport(sessions, logger, WEBSOCKET_PATH, {
          // Four times the soft limit: a client a little over gets a typed error, a flood of bytes is cut off.
          hardMaxFrameBytes: config.MAX_MESSAGE_BYTES * 4,
          pingIntervalMs: config.PING_INTERVAL_MS,
          guard: limits.guard,
        }),
      [OpenSessionId, Ids.Logger, Ids.Limits],
    );
    bind(SockJsTransport).toResolvedValue(
      (sessions: OpenSession, logger, limits) =>
        new SockJsTransport(
          sessions,
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
      [OpenSessionId, Ids.Logger, Ids.Limits],
    );
  });
