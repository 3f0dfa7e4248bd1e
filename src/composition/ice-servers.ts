import type { IceServerProvider } from '../application';
import { IceEnv, TurnRestCredentials } from '../adapters/turn/turn-rest-credentials';
import { ConfigError, readEnv } from '../adapters/shared/settings';
import type { Config } from '../config';

/**
 * STUN and TURN servers for `existingParticipants.iceServers`. TURN entries need both TURN_URLS and
 * TURN_SECRET (one without the other is a mistake, refused at start-up); nothing TURN-related is handed
 * out without the secret.
 */
export const createIceServers = (config: Config): IceServerProvider => {
  // Secrets among them: named, never echoed.
  const env = readEnv(IceEnv, config.env, { secret: true });
  if ((env.TURN_URLS === undefined) !== (env.TURN_SECRET === undefined)) {
    throw new ConfigError(['TURN_URLS and TURN_SECRET: set both to hand out TURN credentials, or neither']);
  }
  return new TurnRestCredentials({
    stunUrls: env.STUN_URLS ?? [],
    turnUrls: env.TURN_URLS ?? [],
    ...(env.TURN_SECRET !== undefined ? { secret: env.TURN_SECRET } : {}),
    ttlSeconds: env.TURN_TTL_S,
  });
};
