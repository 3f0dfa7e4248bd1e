/**
 * Which browser origins may open a connection (`ALLOWED_ORIGINS`). A browser always sends `Origin` on a
 * WebSocket handshake and on cross-site requests, so this stops other sites from using a visitor's
 * browser against the server. Clients that are not browsers may send any Origin or none, so a missing
 * Origin is allowed unless `allowMissing` is false: this is no authentication, tokens are.
 */
export class OriginPolicy {
  private readonly exact = new Set<string>();
  /** `https://*.example.com` entries, kept as scheme and host suffix (`https:`, `.example.com`). */
  private readonly wildcards: { scheme: string; suffix: string; port: string }[] = [];

  private constructor(
    private readonly allowAllOrigins: boolean,
    entries: readonly string[],
    private readonly allowMissing: boolean,
  ) {
    for (const entry of entries) this.addEntry(entry);
  }

  static allowAll(): OriginPolicy {
    return new OriginPolicy(true, [], true);
  }

  /** Throws RangeError for an entry that is not `scheme://host[:port]`, `scheme://*.host[:port]` or `null`. */
  static only(entries: readonly string[], allowMissing = true): OriginPolicy {
    return new OriginPolicy(false, entries, allowMissing);
  }

  get restricts(): boolean {
    return !this.allowAllOrigins;
  }

  allows(origin: string | undefined): boolean {
    if (this.allowAllOrigins) return true;
    if (origin === undefined || origin === '') return this.allowMissing;
    if (origin === 'null') return this.exact.has('null');
    const normal = normalize(origin);
    if (normal === undefined) return false;
    if (this.exact.has(normal.origin)) return true;
    return this.wildcards.some((w) => w.scheme === normal.scheme && w.port === normal.port && normal.host.endsWith(w.suffix));
  }

  private addEntry(entry: string): void {
    if (entry === 'null') {
      this.exact.add('null');
      return;
    }
    const wildcard = /^([a-z][a-z0-9+.-]*):\/\/\*\.(.+)$/i.exec(entry);
    if (wildcard) {
      const rest = normalize(`${wildcard[1]}://${wildcard[2]}`);
      if (!rest) throw new RangeError(`not an origin pattern: ${entry}`);
      this.wildcards.push({ scheme: rest.scheme, suffix: `.${rest.host}`, port: rest.port });
      return;
    }
    const normal = normalize(entry);
    if (!normal) throw new RangeError(`not an origin (scheme://host[:port]): ${entry}`);
    this.exact.add(normal.origin);
  }
}

interface NormalOrigin {
  readonly origin: string;
  readonly scheme: string;
  readonly host: string;
  readonly port: string;
}

/** Lower-cased, default port dropped, no path: how browsers serialize an origin. */
const normalize = (text: string): NormalOrigin | undefined => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.pathname !== '/' && url.pathname !== '') return undefined;
  if (url.username || url.password || url.search || url.hash) return undefined;
  return { origin: url.origin.toLowerCase(), scheme: url.protocol, host: url.hostname.toLowerCase(), port: url.port };
};
