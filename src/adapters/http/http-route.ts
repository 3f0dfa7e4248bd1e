import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

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

/** How long, and how much, of a refused request's unread body is still taken (and dropped) after the answer. */
export const LINGER_MS = 1_000;
export const LINGER_BYTES = 16 * 1024 * 1024;

/**
 * Ends the connection once the answer is out, without reading the request's body. Node hangs up a
 * `Connection: close` answer with `destroySoon()`, and closing a socket that still has unread bytes makes
 * the kernel reset the connection, which can destroy the answer before the client reads it (an uploading
 * client then sees "connection reset" instead of 413). So this socket's hang-up lingers instead, as
 * nginx's lingering close does: the end is sent, what still arrives is taken and dropped for a moment (at
 * most LINGER_MS and LINGER_BYTES), then the socket is destroyed. Call before the answer is written.
 */
export const hangUpAfterAnswer = (req: IncomingMessage, res: ServerResponse): void => {
  res.setHeader('connection', 'close');
  const socket = req.socket as Socket;
  socket.destroySoon = () => {
    let taken = 0;
    socket.on('data', (chunk: Buffer) => {
      taken += chunk.length;
      if (taken > LINGER_BYTES) socket.destroy();
    });
    // A body someone was reading (and paused) is dropped from here on; an untouched one Node drops itself.
    if (req.readableFlowing === false) {
      req.removeAllListeners('data');
      req.resume();
    }
    socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
};
