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
