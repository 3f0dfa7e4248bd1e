import { Container, type ContainerModule } from 'inversify';
import type { Logger } from './application';
import type { Config } from './config';
import { authModule } from './composition/modules/auth-module';
import { coreModule } from './composition/modules/core-module';
import { httpModule } from './composition/modules/http-module';
import { selectMediaModule } from './composition/modules/media-modules';
import { metricsModule } from './composition/modules/metrics-module';
import { nodeModule } from './composition/modules/node-module';
import { presenceModule } from './composition/modules/presence-module';
import { selectStateModule } from './composition/modules/state-modules';
import { websocketModule } from './composition/modules/websocket-module';
import type { NodeExtras } from './composition/service-ids';

export { Ids, type DrainingFlag, type NodeExtras } from './composition/service-ids';

/**
 * The modules this configuration selects: one media backend (MEDIA_BACKEND), one state store
 * (STATE_STORE), presence, auth, metrics, the core and the two inputs. Their order is the order the
 * parts they bring start in (state store before presence, whose outbox may use its Redis).
 */
export const selectModules = (config: Config, logger: Logger, extras: NodeExtras = {}): ContainerModule[] => [
  nodeModule(config, logger, extras),
  authModule(config, logger),
  selectStateModule(config, logger),
  presenceModule(config, logger),
  selectMediaModule(config, logger),
  metricsModule(config),
  coreModule(),
  websocketModule(config),
  httpModule(config),
];

/** Builds the object graph of one signaling node from its configuration; nothing is made until asked for. */
export const buildContainer = (config: Config, logger: Logger, extras: NodeExtras = {}): Container => {
  const container = new Container({ defaultScope: 'Singleton' });
  container.load(...selectModules(config, logger, extras));
  return container;
};
