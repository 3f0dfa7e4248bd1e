import type { IncomingMessage, ServerResponse } from 'node:http';

export interface HttpRoute {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Exact path, or a pattern whose named groups become `params`. */
  readonly path: string | RegExp;
  handle(req: IncomingMessage, res: ServerResponse, params: Readonly<Record<string, string>>): void | Promise<void>;
}

export const sendJson = (res: ServerResponse, status: number, body: unknown): void => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
};
