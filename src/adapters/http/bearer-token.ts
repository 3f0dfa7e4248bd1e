import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson, type HttpRoute } from './http-route';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** A bearer token an operator endpoint requires (`Authorization: Bearer <token>`). */
export class BearerToken {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(token);
  }

  /** Compared as fixed-size digests so neither the length nor the content leaks through timing. */
  matches(req: IncomingMessage): boolean {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    return match !== null && timingSafeEqual(digest(match[1]!), this.expected);
  }
}

export const refuseUnauthorized = (res: ServerResponse, realm: string, message: string): void => {
  res.setHeader('www-authenticate', `Bearer realm="${realm}"`);
  sendJson(res, 401, { code: 'unauthorized', message });
};

/** `route`, answered only with the token: 401 otherwise. */
export const requireBearer = (route: HttpRoute, token: BearerToken, realm: string): HttpRoute => ({
  method: route.method,
  path: route.path,
  handle: (req, res, params) => {
    if (!token.matches(req)) return refuseUnauthorized(res, realm, `a valid ${realm} bearer token is required`);
    return route.handle(req, res, params);
  },
});
