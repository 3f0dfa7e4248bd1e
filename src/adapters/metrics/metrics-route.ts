import { z } from 'zod';
import { whole } from '../shared/settings';
import type { HttpRoute } from '../http/http-route';
import type { SignalingMetrics } from './signaling-metrics';

/** `GET /metrics` in the Prometheus text format. */
export const metricsRoute = (metrics: SignalingMetrics): HttpRoute => ({
  method: 'GET',
  path: '/metrics',
  handle: async (_req, res) => {
    const body = await metrics.registry.metrics();
    res.writeHead(200, { 'content-type': metrics.registry.contentType, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  },
});

/**
 * Where `/metrics` is served. By default on the main port, open to anyone who reaches it; METRICS_PORT
 * moves it to a port of its own (and off the main port), to be bound where only the scraper reaches it;
 * METRICS_TOKEN requires `Authorization: Bearer <token>` on it, wherever it is.
 */
export const MetricsEnv = z.object({
  METRICS_PORT: whole(0, 65535).optional(),
  /** Interface of the metrics port; HOST when unset. */
  METRICS_HOST: z.string().min(1).optional(),
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
});
