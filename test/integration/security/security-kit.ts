import { Writable } from 'node:stream';
import { request } from 'node:http';
import pino from 'pino';
import WebSocket from 'ws';
import { loadConfig } from '../../../src/config';
import { createLogger, startNode, type RunningNode } from '../../../src/start-node';

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';

/** Every log line a node wrote, as text, for checks on what reaches the logs. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  get text(): string {
    return this.lines.join('\n');
  }
}

/**
 * A real node on a loopback port. With `logs`, it logs through the production logger (createLogger, with
 * its redaction) into the capture; otherwise it is silent.
 */
export const startSecureNode = async (env: Record<string, string> = {}, logs?: LogCapture): Promise<RunningNode> => {
  // LOAD_SHED_LAG_MS off unless a test sets it: the attacks run in this process, on the node's own event loop.
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: logs ? 'info' : 'silent', LOAD_SHED_LAG_MS: '0', ...env });
  const logger = logs ? createLogger(config, logs) : pino({ level: 'silent' });
  return startNode(config, logger);
};

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One HTTP request to the node; `json` is sent as the body. */
/** Anything with a base URL: a node in this process or one in its own process. */
export type HttpTarget = Pick<RunningNode, 'httpUrl'>;

export const http = (
  node: HttpTarget,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> =>
  new Promise((resolve, reject) => {
    const req = request(`${node.httpUrl}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });

export const admin = (node: HttpTarget, method: string, path: string, token = ADMIN_TOKEN): Promise<HttpAnswer> =>
  http(node, method, path, { authorization: `Bearer ${token}` });

export interface RoomListing {
  rooms: { roomId: string; size: number; participants: { userId: string }[] }[];
}

/** The node's rooms through the admin API, as `{ roomId: [userIds sorted] }`. */
export const roomsOf = async (node: HttpTarget): Promise<Record<string, string[]>> => {
  const answer = await admin(node, 'GET', '/v1/admin/rooms');
  if (answer.status !== 200) throw new Error(`admin list failed: ${answer.status} ${answer.body}`);
  const listing = JSON.parse(answer.body) as RoomListing;
  return Object.fromEntries(listing.rooms.map((r) => [r.roomId, r.participants.map((p) => p.userId).sort()]));
};

/** Polls `check` until it returns true or the deadline passes; for conditions the server reaches on its own. */
export const eventually = async (check: () => boolean | Promise<boolean>, timeoutMs = 5_000, what = 'condition'): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
};

/** Opens a WebSocket as if through a proxy that says the client is `forwardedFor`; 'open' or the refusal's status. */
export const openAs = (node: RunningNode, forwardedFor: string): Promise<{ outcome: string | number; socket: WebSocket }> =>
  new Promise((resolve) => {
    const socket = new WebSocket(node.wsUrl, { headers: { 'x-forwarded-for': forwardedFor } });
    socket.once('open', () => resolve({ outcome: 'open', socket }));
    socket.once('unexpected-response', (req, res) => {
      resolve({ outcome: res.statusCode ?? 0, socket });
      req.destroy();
    });
    socket.once('error', () => undefined);
  });
