import { BearerToken, requireBearer } from '../adapters/http/bearer-token';
import type { HttpRoute } from '../adapters/http/http-route';
import { MetricsEnv, metricsRoute } from '../adapters/metrics/metrics-route';
import type { SignalingMetrics } from '../adapters/metrics/signaling-metrics';
import { ConfigError, readEnv } from '../adapters/shared/settings';
import type { Config } from '../config';

export interface MetricsEndpoint {
  /** Undefined: on the main port. */
  readonly port?: number;
  readonly host: string;
  readonly token?: string;
}

export const readMetricsEndpoint = (config: Config): MetricsEndpoint => {
  // Secrets among them: named, never echoed.
  const env = readEnv(MetricsEnv, config.env, { secret: true });
  if (env.METRICS_PORT !== undefined && env.METRICS_PORT !== 0 && env.METRICS_PORT === config.PORT) {
    throw new ConfigError(['METRICS_PORT: must differ from PORT (unset it to serve /metrics on the main port)']);
  }
  return {
    ...(env.METRICS_PORT !== undefined ? { port: env.METRICS_PORT } : {}),
    host: env.METRICS_HOST ?? config.HOST,
    ...(env.METRICS_TOKEN !== undefined ? { token: env.METRICS_TOKEN } : {}),
  };
};

/** `GET /metrics`, behind the bearer token when one is set. */
export const metricsRoutes = (endpoint: MetricsEndpoint, metrics: SignalingMetrics): HttpRoute[] => {
  const route = metricsRoute(metrics);
  return [endpoint.token !== undefined ? requireBearer(route, new BearerToken(endpoint.token), 'metrics') : route];
};
