import { ContainerModule } from 'inversify';
import { RoomRegistry } from '../../application';
import { SignalingMetrics } from '../../adapters/metrics/signaling-metrics';
import { timedPort } from '../../adapters/metrics/timed-port';
import { ConnectionHub } from '../../adapters/websocket/connection-hub';
import { SockJsTransport } from '../../adapters/websocket/sockjs-transport';
import type { Config } from '../../config';
import { Ids } from '../service-ids';

/**
 * Prometheus metrics, and the media gateway and state store the core sees: the backend modules' ones,
 * each call timed.
 */
export const metricsModule = (config: Config): ContainerModule =>
  new ContainerModule(({ bind }) => {
    // The live counts are read at each scrape: the hub and the presence backend are looked up then, as
    // the hub itself counts its traffic into these metrics.
    bind(SignalingMetrics).toDynamicValue(({ get }) => {
      const extras = get(Ids.NodeExtras);
      return new SignalingMetrics(
        {
          connections: () => get(ConnectionHub).size,
          rooms: () => get(RoomRegistry).roomCount,
          participants: () => get(RoomRegistry).participantCount,
          presenceOutboxDepth: () => get(Ids.PresenceBackend).outboxDepth?.() ?? 0,
          ...(extras.logLinesDropped ? { logLinesDropped: extras.logLinesDropped } : {}),
          joinsShed: () => get(Ids.Limits).loopLoad.joinsShed,
          shedding: () => get(Ids.Limits).loopLoad.shedding,
          sockjsSessions: () => get(SockJsTransport).sessionsHeld,
        },
        { node: config.nodeId },
      );
    });
    bind(Ids.MediaGateway).toResolvedValue(
      (media, metrics) =>
        timedPort(media, metrics.mediaCallSeconds, [
          'openSession', 'closeSession', 'addParticipant', 'removeParticipant', 'offer', 'answer', 'requestOffer', 'addIceCandidate',
        ]),
      [Ids.MediaBackend, SignalingMetrics],
    );
    // With Redis, this is the Redis latency the core sees.
    bind(Ids.RoomStateStore).toResolvedValue(
      (state, metrics) =>
        timedPort(state.store, metrics.stateStoreSeconds, [
          'recordJoin', 'recordLeave', 'recordMediaState', 'recordReconnecting', 'recordResume', 'recordRoomClosed', 'recordRoomAbandoned',
          'getRoom', 'listRooms',
        ]),
      [Ids.StateBackend, SignalingMetrics],
    );
  });
