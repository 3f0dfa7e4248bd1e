import { ContainerModule } from 'inversify';
import type { Logger } from '../../application';
import type { Config } from '../../config';
import { createPresence } from '../presence';
import { Ids } from '../service-ids';

/**
 * Presence notifications (PRESENCE_TCP; off without it). Its outbox lives in the state store's Redis
 * when there is one, so the state module is resolved first.
 */
export const presenceModule = (config: Config, logger: Logger): ContainerModule =>
  new ContainerModule(({ bind }) => {
    bind(Ids.PresenceBackend).toResolvedValue((state) => createPresence(config, logger, state.redis), [Ids.StateBackend]);
    bind(Ids.PresenceNotifier).toResolvedValue((presence) => presence.notifier, [Ids.PresenceBackend]);
    bind(Ids.LifecycleParts).toResolvedValue((presence) => presence.lifecycle, [Ids.PresenceBackend]);
  });
