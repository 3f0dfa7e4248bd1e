import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../application';
import { onResponseGone } from '../shared/connection-close';
import { hangUpAfterAnswer, type HttpRoute } from './http-route';

export interface UpgradeTarget {
  /** Whether this target takes the upgrade for `pathname`. */
  accepts(pathname: string): boolean;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export interface RequestTarget {
  accepts(pathname: string): boolean;
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
}

export interface HttpFrontOptions {
  /** Time a client has to send its request headers; a slowloris client is cut off after it. */
  readonly headersTimeoutMs?: number;
  /** Time a client has to send its whole request. */
  readonly requestTimeoutMs?: number;
  /** How often Node checks the two timeouts above. */
  readonly checkIntervalMs?: number;
  /**
   * Counts a request against its client's budget of requests in flight; undefined refuses it (429). The
   * release is called once the response is done or the client went away.
   */
  readonly admitRequest?: (req: IncomingMessage) => (() => void) | undefined;
  /** Who the client is, for the logs: the TCP peer, or the address a trusted proxy forwarded. */
  readonly clientAddress?: (req: IncomingMessage) => string;
}

/**
 * The one HTTP server of a node: routes, long-polling transports (SockJS) and WebSocket upgrades share it,
 * as the seed served everything from one port.
 */
export class HttpFront {
  readonly server: Server;
  private readonly routes: HttpRoute[] = [];
  private readonly upgrades: UpgradeTarget[] = [];
  private readonly passthrough: RequestTarget[] = [];

  constructor(
    private readonly logger: Logger,
    private readonly options: HttpFrontOptions = {},
  ) {
    this.server = createServer(
      {
        ...(options.headersTimeoutMs !== undefined ? { headersTimeout: options.headersTimeoutMs } : {}),
        ...(options.requestTimeoutMs !== undefined ? { requestTimeout: options.requestTimeoutMs } : {}),
        ...(options.checkIntervalMs !== undefined ? { connectionsCheckingInterval: options.checkIntervalMs } : {}),
      },
      (req, res) => void this.onRequest(req, res),
    );
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    this.server.on('clientError', (_error, socket) => socket.destroy());
  }

  addRoutes(routes: readonly HttpRoute[]): void {
    this.routes.push(...routes);
  }

  addUpgradeTarget(target: UpgradeTarget): void {
    this.upgrades.push(target);
  }

  addRequestTarget(target: RequestTarget): void {
    this.passthrough.push(target);
  }

  async listen(port: number, host: string): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return this.server.address() as AddressInfo;
  }

  /** Stops accepting; open connections are closed by their transports. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const pathname = pathOf(req);
    const release = this.options.admitRequest ? this.options.admitRequest(req) : () => undefined;
    if (!release) {
      // The body, if any, is not read: the connection ends with the answer.
      hangUpAfterAnswer(req, res);
      res.writeHead(429, { 'content-type': 'text/plain', 'retry-after': '1' }).end('too many requests from this address\n');
      return;
    }
    // Given back when the answer is done or the client went away, once. The connection's close counts
    // too: a request pipelined behind a stream that never ends has a response that never emits 'close'
    // if the connection dies, and its place would be gone for good; enough such places and its address is
    // refused (429) from then on.
    onResponseGone(res, release);
    try {
      const target = this.passthrough.find((t) => t.accepts(pathname));
      if (target) return target.handleRequest(req, res);
      const allowed = new Set<string>();
      for (const route of this.routes) {
        const params = matchPath(route.path, pathname);
        if (!params) continue;
        if (route.method === req.method) return await route.handle(req, res, params);
        allowed.add(route.method);
      }
      if (allowed.size > 0) {
        res.writeHead(405, { allow: [...allowed].join(', '), 'content-type': 'text/plain' }).end('method not allowed');
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    } catch (error) {
      this.logger.error({ err: error, path: pathname, remote: this.options.clientAddress?.(req) ?? req.socket.remoteAddress }, 'http request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error');
    }
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const target = this.upgrades.find((t) => t.accepts(pathOf(req)));
    if (!target) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    target.handleUpgrade(req, socket, head);
  }
}

const pathOf = (req: IncomingMessage): string => {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
};

const matchPath = (path: string | RegExp, pathname: string): Record<string, string> | undefined => {
  if (typeof path === 'string') return path === pathname ? {} : undefined;
  const match = path.exec(pathname);
  return match ? { ...(match.groups ?? {}) } : undefined;
};
