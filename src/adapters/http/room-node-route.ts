import { checkIdentifier, isSignalingError } from '../../domain';
import type { Logger, RoomLocator } from '../../application';
import { sendJson, type HttpRoute } from './http-route';


/**
 * `GET /v1/rooms/:roomId/node`: which node a client should open its WebSocket to for this room. Asking
 * claims a room nobody hosts, so every member who asks is sent to the same node.
 * 200 `{ roomId, nodeId, url }`; 400 for a malformed id; 503 when the state store cannot settle it.
 */
export const roomNodeRoute = (locator: RoomLocator, logger: Logger): HttpRoute => ({
  method: 'GET',
  path: /^\/v1\/rooms\/(?<roomId>[^/]+)\/node$/,
  async handle(_req, res, params) {
    // The same rule as a room id in `joinRoom` (printable text, NFC), so a room found here can always be joined.
    let checked: ReturnType<typeof checkIdentifier>;
    try {
      checked = checkIdentifier(decodeURIComponent(params.roomId ?? ''));
    } catch {
      checked = { ok: false, reason: 'malformed percent-encoding' };
    }
    if (!checked.ok) {
      sendJson(res, 400, { code: 'invalidMessage', message: `room id: ${checked.reason}` });
      return;
    }
    const roomId = checked.id;
    try {
      const location = await locator.locate(roomId);
      res.setHeader('cache-control', 'no-store');
      sendJson(res, 200, { roomId, nodeId: location.nodeId, url: location.nodeUrl });
    } catch (error) {
      if (isSignalingError(error)) {
        sendJson(res, 503, { code: error.code, message: error.message });
        return;
      }
      logger.error({ err: error, roomId }, 'room lookup failed');
      sendJson(res, 500, { code: 'internalError', message: 'room lookup failed' });
    }
  },
});
