import type { IncomingMessage } from 'node:http';
import type { AddressRateLimiter } from './address-rate-limiter';
import { sendJson, type HttpRoute } from './http-route';

/** `route` behind a per-address rate: past it, 429 `rateLimited` with `retryAfterMs` and `Retry-After`. */
export const rateLimitedRoute = (route: HttpRoute, limiter: AddressRateLimiter, clientAddress: (req: IncomingMessage) => string): HttpRoute => ({
  method: route.method,
  path: route.path,
  handle(req, res, params) {
    const retryAfterMs = limiter.take(clientAddress(req));
    if (retryAfterMs > 0) {
      res.setHeader('retry-after', String(Math.ceil(retryAfterMs / 1000)));
      sendJson(res, 429, { code: 'rateLimited', message: 'too many room lookups from this address; try again later', retryAfterMs });
      return;
    }
    return route.handle(req, res, params);
  },
});
