import { z } from 'zod';
import { BearerToken, requireBearer } from '../adapters/http/bearer-token';
import type { HttpRoute } from '../adapters/http/http-route';
import { metricsRoute } from '../adapters/metrics/metrics-route';
import type { SignalingMetrics } from '../adapters/metrics/signaling-metrics';
import { ConfigError, readEnv, whole } from '../adapters/shared/settings';
import type { Config } from '../config';

/**
 * Where `/metrics` is served. By default on the main port, open to anyone who reaches it; METRICS_PORT
 * moves it to a port of its own (and off the main port), to be bound where only the scraper reaches it;
 * METRICS_TOKEN requires `Authorization: Bearer <token>` on it, wherever it is.
 */
const MetricsEnv = z.object({
  METRICS_PORT: whole(0, 65535).optional(),
  /** Interface of the metrics port; HOST when unset. */
  METRICS_HOST: z.string().min(1).optional(),
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
});

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
