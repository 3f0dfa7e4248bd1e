import { ContainerModule } from 'inversify';
import type { Logger } from '../../application';
import type { Config } from '../../config';
import { createMemoryState } from '../memory-state';
import { createRedisState } from '../redis-state';
import type { StateBackend } from '../state-backend';
import { Ids } from '../service-ids';

/** One module per state store: the store, the placement, and what the backend must start and stop. */
const stateModule = (create: () => StateBackend): ContainerModule =>
  new ContainerModule(({ bind }) => {
    bind(Ids.StateBackend).toDynamicValue(create);
    bind(Ids.RoomPlacement).toResolvedValue((state) => state.placement, [Ids.StateBackend]);
    bind(Ids.LifecycleParts).toResolvedValue((state) => state.lifecycle, [Ids.StateBackend]);
  });

/** STATE_STORE=memory: one node, state in this process. */
export const memoryStateModule = (config: Config, logger: Logger): ContainerModule => stateModule(() => createMemoryState(config, logger));

/** STATE_STORE=redis: shared state, node registry and placement in Redis (one server or a Cluster). */
export const redisStateModule = (config: Config, logger: Logger): ContainerModule => stateModule(() => createRedisState(config, logger));

export const selectStateModule = (config: Config, logger: Logger): ContainerModule =>
  config.STATE_STORE === 'redis' ? redisStateModule(config, logger) : memoryStateModule(config, logger);
