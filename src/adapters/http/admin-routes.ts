import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkIdentifier, isSignalingError } from '../../domain';
import type { AdminModeration, Logger } from '../../application';
import { BearerToken, refuseUnauthorized } from './bearer-token';
import { sendJson, type HttpRoute } from './http-route';
import { RefusalLog } from './refusal-log';

export interface AdminRouteOptions {
  /** Who the client is (TRUST_PROXY aware), for the log of refused requests. */
  readonly clientAddress?: (req: IncomingMessage) => string;
  /** Refused requests are logged once per this interval, with a count. */
  readonly refusalLogIntervalMs?: number;
}

// Percent-encoded, a 128-character id takes up to 128 × 4 UTF-8 bytes × 3 characters.
const SEGMENT = '(?<roomId>[^/]{1,1536})';
const USER = '(?<userId>[^/]{1,1536})';

/**
 * The operator API under `/v1/admin` (docs/admin-api.yaml). Every route needs `Authorization: Bearer
 * <ADMIN_TOKEN>`; without ADMIN_TOKEN the routes are not mounted at all. It acts on this node's rooms only:
 * in a cluster, ask the node that hosts the room (`GET /v1/rooms/{roomId}/node`).
 */
export const adminRoutes = (admin: AdminModeration, adminToken: string, logger: Logger, options: AdminRouteOptions = {}): HttpRoute[] => {
  const token = new BearerToken(adminToken);
  const refusals = new RefusalLog(logger, 'admin request refused', options.refusalLogIntervalMs ?? 60_000);
  const addressOf = options.clientAddress ?? ((req: IncomingMessage) => req.socket.remoteAddress ?? 'unknown');
  const authorized = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (token.matches(req)) return true;
    refusals.refused({ remote: addressOf(req), path: pathOf(req) });
    refuseUnauthorized(res, 'admin', 'a valid admin bearer token is required');
    return false;
  };

  return [
    {
      method: 'GET',
      path: '/v1/admin/rooms',
      handle(req, res) {
        if (!authorized(req, res)) return;
        res.setHeader('cache-control', 'no-store');
        const rooms = admin.listRooms();
        sendJson(res, 200, { rooms: rooms.map((r) => ({ ...r, size: r.participants.length })) });
      },
    },
    {
      method: 'DELETE',
      path: new RegExp(`^/v1/admin/rooms/${SEGMENT}/participants/${USER}$`),
      async handle(req, res, params) {
        if (!authorized(req, res)) return;
        const roomId = decoded(params.roomId);
        const userId = decoded(params.userId);
        if (roomId === undefined || userId === undefined) return badPath(res);
        await answer(res, logger, async () => {
          await admin.kick(roomId, userId);
          res.writeHead(204).end();
        });
      },
    },
    {
      method: 'DELETE',
      path: new RegExp(`^/v1/admin/rooms/${SEGMENT}$`),
      async handle(req, res, params) {
        if (!authorized(req, res)) return;
        const roomId = decoded(params.roomId);
        if (roomId === undefined) return badPath(res);
        await answer(res, logger, async () => {
          const removed = await admin.closeRoom(roomId);
          sendJson(res, 200, { roomId, removed });
        });
      },
    },
  ];
};

const pathOf = (req: IncomingMessage): string => (req.url ?? '/').split('?')[0]!.slice(0, 200);

/** The id a path segment names, read by the same rule as ids in messages (NFC, printable). */
const decoded = (segment: string | undefined): string | undefined => {
  try {
    const checked = checkIdentifier(decodeURIComponent(segment ?? ''));
    return checked.ok ? checked.id : undefined;
  } catch {
    return undefined;
  }
};

const badPath = (res: ServerResponse): void => sendJson(res, 400, { code: 'invalidMessage', message: 'malformed room or user id in the path' });

/** `notInRoom` is 404; anything unexpected is 500 without details. */
const answer = async (res: ServerResponse, logger: Logger, work: () => Promise<void>): Promise<void> => {
  try {
    await work();
  } catch (error) {
    if (isSignalingError(error) && error.code === 'notInRoom') {
      sendJson(res, 404, { code: 'notFound', message: error.message });
      return;
    }
    logger.error({ err: error }, 'admin request failed');
    sendJson(res, 500, { code: 'internalError', message: 'the admin request failed' });
  }
};
