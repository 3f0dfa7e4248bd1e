import { ContainerModule } from 'inversify';
import type { Logger } from '../../application';
import type { Config } from '../../config';
import { createTokenVerifier, readAdminToken } from '../auth';
import { Ids } from '../service-ids';

/** AUTH (none or jwt) and ADMIN_TOKEN, read when the container is built. */
export const authModule = (config: Config, logger: Logger): ContainerModule => {
  const token = readAdminToken(config);
  const verifier = createTokenVerifier(config, logger);
  return new ContainerModule(({ bind }) => {
    bind(Ids.TokenVerifier).toConstantValue(verifier);
    bind(Ids.AdminAccess).toConstantValue({ token });
  });
};
