import type { IncomingMessage, ServerResponse } from 'node:http';
import { hangUpAfterAnswer } from '../../http/http-route';
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

/** 405 with the methods the path takes, and no body (as the protocol's tests expect). */
export const answerWrongMethod = (res: ServerResponse, allow: string): void => {
  res.writeHead(405, { allow, 'content-length': 0 });
  res.end();
};

/** No caching for anything private served over GET or POST (iOS 6 cached POSTs). */
export const noCache = (res: ServerResponse): void => {
  res.setHeader('cache-control', NO_CACHE);
};

/** Whether the request declares a body (a length other than 0, or chunked). */
export const hasBody = (req: IncomingMessage): boolean =>
  req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined;

/**
 * Answers without reading the request's body: the connection ends once the answer is out (what the
 * client still sends meanwhile is dropped), rather than Node reading the rest of the body to reuse it.
 */
export const answerAndHangUp = (req: IncomingMessage, res: ServerResponse, status: number, text: string): void => {
  if (hasBody(req)) hangUpAfterAnswer(req, res);
  answerText(res, status, text);
};
