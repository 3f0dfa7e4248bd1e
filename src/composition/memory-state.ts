import { InMemoryRoomStateStore } from '../adapters/memory/in-memory-room-state-store';
import { SingleNodePlacement } from '../adapters/memory/single-node-placement';
import type { Config } from '../config';
import type { StateBackend } from './state-backend';

/** The embedded default: one node, state in this process. */
export const createMemoryState = (config: Config): StateBackend => ({
  store: new InMemoryRoomStateStore(config.nodeId),
  placement: new SingleNodePlacement(),
  routes: [],
  lifecycle: [],
});
