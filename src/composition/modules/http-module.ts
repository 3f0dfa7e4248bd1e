import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ContainerModule } from 'inversify';
import { AdminModeration } from '../../application';
import { adminRoutes } from '../../adapters/http/admin-routes';
import { healthRoutes } from '../../adapters/http/health-routes';
import { HttpFront } from '../../adapters/http/http-front';
import { rateLimitedRoute } from '../../adapters/http/rate-limited-route';
import { staticFileRoute } from '../../adapters/http/static-files';
import { SignalingMetrics } from '../../adapters/metrics/signaling-metrics';
import { SockJsTransport } from '../../adapters/websocket/sockjs-transport';
import { WebSocketTransport } from '../../adapters/websocket/websocket-transport';
import type { Config } from '../../config';
import type { NodeLimits } from '../limits';
import { metricsRoutes, readMetricsEndpoint } from '../metrics-endpoint';
import { Ids } from '../service-ids';

/** The demo page is built next to the compiled server; tests run from source and find it in dist/. */
const defaultStaticDir = (): string => {
  const candidates = [resolve(__dirname, '..', '..', 'public'), resolve(__dirname, '..', '..', '..', 'dist', 'public')];
  return candidates.find((dir) => existsSync(dir)) ?? candidates[0]!;
};

const httpOptions = (limits: NodeLimits) => ({ ...limits.http, admitRequest: limits.admitRequest, clientAddress: limits.clientAddress });

/**
 * The HTTP server: WebSocket and SockJS upgrades, health, the state backend's routes, metrics (here
 * unless METRICS_PORT gives them a front of their own), the admin API with ADMIN_TOKEN, static files.
 */
export const httpModule = (config: Config): ContainerModule => {
  const metricsEndpoint = readMetricsEndpoint(config);
  return new ContainerModule(({ bind }) => {
    bind(Ids.MetricsEndpoint).toConstantValue(metricsEndpoint);
    if (metricsEndpoint.port !== undefined) {
      bind(Ids.MetricsFront).toResolvedValue(
        (logger, limits, endpoint, metrics) => {
          const front = new HttpFront(logger, httpOptions(limits));
          front.addRoutes(metricsRoutes(endpoint, metrics));
          return front;
        },
        [Ids.Logger, Ids.Limits, Ids.MetricsEndpoint, SignalingMetrics],
      );
    }
    bind(Ids.HttpFront).toDynamicValue(({ get }) => {
      const logger = get(Ids.Logger);
      const limits = get(Ids.Limits);
      const endpoint = get(Ids.MetricsEndpoint);
      const draining = get(Ids.Draining);
      const state = get(Ids.StateBackend);
      const front = new HttpFront(logger, httpOptions(limits));
      const ws = get(WebSocketTransport);
      const sockJs = get(SockJsTransport);
      // Order matters: `/rtc/websocket` is plain WebSocket, everything else under `/rtc` is SockJS.
      front.addUpgradeTarget(ws);
      front.addUpgradeTarget(sockJs);
      front.addRequestTarget(sockJs);
      front.addRoutes(
        healthRoutes(
          [
            {
              name: 'mediaBackend',
              isReady: () => get(Ids.MediaGateway).isAvailable(),
              detail: () => get(Ids.MediaGateway).servers?.() ?? {},
            },
            { name: 'stateStore', isReady: () => get(Ids.RoomStateStore).isAvailable() },
            get(Ids.PresenceBackend).readiness,
          ],
          () => draining.value,
        ),
      );
      // The state backend's routes are the room lookup, which books rooms as load: limited per address.
      front.addRoutes(state.routes.map((route) => rateLimitedRoute(route, limits.roomLookups, limits.clientAddress)));
      if (endpoint.port === undefined) front.addRoutes(metricsRoutes(endpoint, get(SignalingMetrics)));
      const admin = get(Ids.AdminAccess);
      if (admin.token !== undefined) {
        front.addRoutes(adminRoutes(get(AdminModeration), admin.token, logger, { clientAddress: limits.clientAddress }));
      }
      front.addRoutes([staticFileRoute(config.STATIC_DIR ?? defaultStaticDir())]);
      return front;
    });
  });
};
