import { z } from 'zod';
import { list, whole } from '../shared/settings';
import { createHash, createHmac } from 'node:crypto';
import type { IceServer, IceServerProvider } from '../../application';

export interface TurnSettings {
  /** `stun:` URLs, handed out as they are. */
  readonly stunUrls: readonly string[];
  /** `turn:`/`turns:` URLs; TURN entries are handed out only with a secret. */
  readonly turnUrls: readonly string[];
  /** coturn's `static-auth-secret`. */
  readonly secret?: string;
  /** How long a credential is valid (s). */
  readonly ttlSeconds: number;
  /** Milliseconds since the epoch; Date.now by default. */
  readonly now?: () => number;
}

/**
 * coturn (4.6) answers 400 to a USERNAME holding a space, tab, CR, LF, `'`, `"` or `\`, or both "union" and
 * "select" in any case (an SQL guard it applies whatever its user database), and cuts one past 512 bytes
 * before checking the HMAC (401). User ids may hold all of that (`heedong kim`, `o'brien`, 128 emoji): those
 * characters are written as `%XX` (and `%` itself, so distinct ids stay distinct), and an id still too long
 * or spelling both words is named by its SHA-256 instead (`%sha256:<hex>`, which no escaped id can be).
 * Any other id is written as it is, so coturn's logs keep showing it.
 */
const REFUSED_BY_COTURN = /[%\t\n\r "'\\]/g;
const MAX_USERNAME_BYTES = 512;

export const turnUsername = (expiry: number, userId: string): string => {
  const escaped = `${expiry}:${userId.replace(REFUSED_BY_COTURN, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)}`;
  if (Buffer.byteLength(escaped, 'utf8') <= MAX_USERNAME_BYTES && !(/union/i.test(escaped) && /select/i.test(escaped))) return escaped;
  return `${expiry}:%sha256:${createHash('sha256').update(userId, 'utf8').digest('hex')}`;
};

/**
 * ICE servers for a participant, with TURN credentials in the shared-secret ("TURN REST API") scheme that
 * coturn's `use-auth-secret` checks: username `<expiry in unix seconds>:<userId>` (turnUsername), password
 * Base64(HMAC-SHA1(secret, username)). The TURN server needs no call from here: it recomputes the HMAC and
 * refuses the credential once the expiry passed. Node's crypto does the HMAC; no library is needed for one line.
 */
export class TurnRestCredentials implements IceServerProvider {
  private readonly now: () => number;

  constructor(private readonly settings: TurnSettings) {
    this.now = settings.now ?? Date.now;
  }

  iceServersFor(userId: string): readonly IceServer[] {
    const servers: IceServer[] = [];
    if (this.settings.stunUrls.length > 0) servers.push({ urls: [...this.settings.stunUrls] });
    const { secret, turnUrls, ttlSeconds } = this.settings;
    if (secret !== undefined && turnUrls.length > 0) {
      const expiry = Math.floor(this.now() / 1000) + ttlSeconds;
      const username = turnUsername(expiry, userId);
      servers.push({ urls: [...turnUrls], username, credential: turnPassword(secret, username) });
    }
    return servers;
  }
}

export const turnPassword = (secret: string, username: string): string => createHmac('sha1', secret).update(username).digest('base64');

const urls = (scheme: RegExp, what: string) =>
  list.pipe(z.array(z.string().regex(scheme, what)).min(1));

/** The ICE server settings (RFC 7064/7065 URIs: `stun:host[:port]`, `turn:host[:port][?transport=udp|tcp]`, `turns:`). */
export const IceEnv = z.object({
  STUN_URLS: urls(/^stuns?:[^\s,]+$/, 'expected stun: or stuns: URLs, comma-separated').optional(),
  TURN_URLS: urls(/^turns?:[^\s,]+$/, 'expected turn: or turns: URLs, comma-separated').optional(),
  /** coturn's static-auth-secret (use-auth-secret). */
  TURN_SECRET: z.string().min(16, 'at least 16 characters').optional(),
  /** Lifetime of a TURN credential; a day by default, as coturn's documentation suggests. */
  TURN_TTL_S: whole(60, 7 * 86_400).default(86_400),
});
