import { sendJson, type HttpRoute } from './http-route';

export interface ReadinessCheck {
  readonly name: string;
  isReady(): boolean;
  /** false: reported, never makes the node unready (a dependency with a fallback of its own). */
  readonly required?: boolean;
  detail?(): object;
}

/** `/healthz`: the process answers. `/readyz`: every dependency is reachable and the node is not draining. */
export const healthRoutes = (checks: readonly ReadinessCheck[], isDraining: () => boolean): HttpRoute[] => [
  {
    method: 'GET',
    path: '/healthz',
    handle: (_req, res) => sendJson(res, 200, { status: 'ok' }),
  },
  {
    method: 'GET',
    path: '/readyz',
    handle: (_req, res) => {
      const results = Object.fromEntries(checks.map((c) => [c.name, c.isReady()]));
      const draining = isDraining();
      const ready = !draining && checks.every((c) => c.required === false || results[c.name]);
      const details = Object.fromEntries(checks.flatMap((c) => (c.detail ? [[c.name, c.detail()]] : [])));
      sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable', draining, checks: results, details });
    },
  },
];
