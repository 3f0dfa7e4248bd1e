import type { IncomingMessage, ServerResponse } from 'node:http';
import { NO_CACHE } from './receivers';

const ONE_YEAR_SECONDS = 365 * 24 * 3600;

/**
 * CORS as the protocol has it: the request's origin echoed (or `*` for none and for `null`), credentials
 * allowed, requested headers allowed. Origins the node refuses (ALLOWED_ORIGINS) never get this far.
 */
export const setCors = (req: IncomingMessage, res: ServerResponse): void => {
  const origin = req.headers.origin;
  res.setHeader('access-control-allow-origin', origin !== undefined && origin !== 'null' ? origin : '*');
  res.setHeader('access-control-allow-credentials', 'true');
  res.setHeader('vary', 'Origin');
  const requested = req.headers['access-control-request-headers'];
  if (typeof requested === 'string' && requested !== '') res.setHeader('access-control-allow-headers', requested);
};

/** A CORS preflight: cacheable for a year. */
export const answerOptions = (req: IncomingMessage, res: ServerResponse, methods: string): void => {
  setCors(req, res);
  res.writeHead(204, {
    'cache-control': `public, max-age=${ONE_YEAR_SECONDS}`,
    expires: new Date(Date.now() + ONE_YEAR_SECONDS * 1000).toUTCString(),
    'access-control-max-age': String(ONE_YEAR_SECONDS),
    'access-control-allow-methods': methods,
  });
  res.end();
};

export const answerText = (res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'text/plain; charset=UTF-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
};

export const answerNotFound = (res: ServerResponse): void => answerText(res, 404, 'Not found\n');

/** 405 with the methods the path takes, and no body (as the protocol's tests expect). */
export const answerWrongMethod = (res: ServerResponse, allow: string): void => {
  res.writeHead(405, { allow, 'content-length': 0 });
  res.end();
};

/** No caching for anything private served over GET or POST (iOS 6 cached POSTs). */
export const noCache = (res: ServerResponse): void => {
  res.setHeader('cache-control', NO_CACHE);
};

/**
 * Answers without reading the request's body: the socket is closed once the answer is out, because Node
 * would otherwise read and discard the rest of the body to reuse the connection.
 */
export const answerAndHangUp = (req: IncomingMessage, res: ServerResponse, status: number, text: string): void => {
  const hasBody = req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) {
    answerText(res, status, text);
    return;
  }
  answerText(res, status, text, { connection: 'close' });
  res.once('finish', () => req.socket.destroySoon());
};
