import { z } from 'zod';
import type { IceServerProvider } from '../application';
import { TurnRestCredentials } from '../adapters/turn/turn-rest-credentials';
import { ConfigError, list, readEnv, whole } from '../adapters/shared/settings';
import type { Config } from '../config';

const urls = (scheme: RegExp, what: string) =>
  list.pipe(z.array(z.string().regex(scheme, what)).min(1));

/** The ICE server settings (RFC 7064/7065 URIs: `stun:host[:port]`, `turn:host[:port][?transport=udp|tcp]`, `turns:`). */
const IceEnv = z.object({
  STUN_URLS: urls(/^stuns?:[^\s,]+$/, 'expected stun: or stuns: URLs, comma-separated').optional(),
  TURN_URLS: urls(/^turns?:[^\s,]+$/, 'expected turn: or turns: URLs, comma-separated').optional(),
  /** coturn's static-auth-secret (use-auth-secret). */
  TURN_SECRET: z.string().min(16, 'at least 16 characters').optional(),
  /** Lifetime of a TURN credential; a day by default, as coturn's documentation suggests. */
  TURN_TTL_S: whole(60, 7 * 86_400).default(86_400),
});

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
