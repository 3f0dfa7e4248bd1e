import { InMemoryRoomStateStore } from '../adapters/memory/in-memory-room-state-store';
import { SingleNodePlacement } from '../adapters/memory/single-node-placement';
import { roomNodeRoute } from '../adapters/http/room-node-route';
import type { Logger } from '../application';
import type { Config } from '../config';
import { listeningUrl } from './public-url';
import type { StateBackend } from './state-backend';

/** The embedded default: one node, state in this process. The room lookup always answers this node. */
export const createMemoryState = (config: Config, logger: Logger): StateBackend => {
  const placement = new SingleNodePlacement(config.nodeId, config.PUBLIC_URL);
  return {
    store: new InMemoryRoomStateStore(config.nodeId),
    placement,
    routes: [roomNodeRoute(placement, logger)],
    lifecycle: [],
    async announceListening(wsUrl) {
      if (config.PUBLIC_URL !== undefined) return;
      const port = Number(new URL(wsUrl).port);
      placement.setPublicUrl(Number.isInteger(port) && port > 0 ? listeningUrl(config.HOST, port) : wsUrl);
    },
  };
};
