import { readdirSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';

export const JANUS_LIB_DIR = process.env.JANUS_LIB_DIR ?? '/usr/lib/x86_64-linux-gnu/janus';

export interface JanusConfigOptions {
  readonly port: number;
  /** Janus drops sessions that send nothing for this long; short values prove keepalives work. */
  readonly sessionTimeoutSecs: number;
  readonly debugLevel: number;
  readonly iceEnforceList: string;
  /** More `nat`/`media` settings (e.g. `{ full_trickle: true }`), for benchmarks comparing Janus settings. */
  readonly nat?: Readonly<Record<string, string | number | boolean>>;
  readonly media?: Readonly<Record<string, string | number | boolean>>;
  /** A port for Janus's Admin API over WebSocket (loopback, no secret), for tests that count handles. */
  readonly adminPort?: number;
}

const lines = (settings: Readonly<Record<string, string | number | boolean>> = {}): string =>
  Object.entries(settings)
    .map(([key, value]) => `\n  ${key} = ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`)
    .join('');

/** Every module file in a Janus folder except the ones to keep, for the `disable` directives. */
const allBut = (folder: string, keep: readonly string[]): string =>
  readdirSync(join(JANUS_LIB_DIR, folder))
    .filter((name) => name.endsWith('.so') && !keep.includes(name))
    .join(',');

/**
 * The one address Janus may gather ICE candidates on. Janus skips loopback interfaces unconditionally
 * when it gathers (ice.c, "Skip loopback interfaces"), and with `ice_enforce_list = "lo"` it adds no
 * address at all, so libnice falls back to gathering on every interface. The closest to loopback-only is
 * therefore this host's own first IPv4 address: Chromium on the same host uses it too, and the kernel
 * delivers such traffic locally, so no media leaves the machine. JANUS_ICE_ENFORCE overrides it.
 */
export const iceEnforceList = (): string => {
  if (process.env.JANUS_ICE_ENFORCE) return process.env.JANUS_ICE_ENFORCE;
  const own = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal);
  return own?.address ?? 'lo';
};

/** Addresses that belong to this machine, for tests asserting that Janus offers nothing else. */
export const ownAddresses = (): string[] =>
  Object.values(networkInterfaces())
    .flat()
    .filter((a): a is NonNullable<typeof a> => !!a)
    .map((a) => a.address);

/**
 * Writes a config folder of Janus's own: only the WebSocket transport (loopback; its Admin API only when a port is given), only the
 * VideoRoom plugin with no preconfigured rooms, no event handlers or loggers, ICE on one local address
 * (see iceEnforceList), IPv4 only, no STUN/TURN and no 1:1 NAT, so the test opens no listening port beyond
 * the one it asked for and talks to nothing outside this machine.
 */
export const writeJanusConfig = (dir: string, options: JanusConfigOptions): void => {
  writeFileSync(
    join(dir, 'janus.jcfg'),
    `general: {
  configs_folder = "${dir}"
  plugins_folder = "${join(JANUS_LIB_DIR, 'plugins')}"
  transports_folder = "${join(JANUS_LIB_DIR, 'transports')}"
  events_folder = "${join(JANUS_LIB_DIR, 'events')}"
  loggers_folder = "${join(JANUS_LIB_DIR, 'loggers')}"
  debug_level = ${options.debugLevel}
  server_name = "rtc-signaling-test"
  session_timeout = ${options.sessionTimeoutSecs}
  reclaim_session_timeout = 0
}
certificates: {
}
media: {
  ipv6 = false
  rtp_port_range = "20000-40000"${lines(options.media)}
}
nat: {
  ice_enforce_list = "${options.iceEnforceList}"${lines({ full_trickle: false, ice_lite: false, ignore_mdns: true, ...options.nat })}
}
plugins: {
  disable = "${allBut('plugins', ['libjanus_videoroom.so'])}"
}
transports: {
  disable = "${allBut('transports', ['libjanus_websockets.so'])}"
}
loggers: {
  disable = "${allBut('loggers', [])}"
}
events: {
  broadcast = false
  disable = "${allBut('events', [])}"
}
`,
  );
  writeFileSync(
    join(dir, 'janus.transport.websockets.jcfg'),
    `general: {
  json = "compact"
  ws = true
  ws_port = ${options.port}
  ws_ip = "127.0.0.1"
  wss = false
}
admin: {
  admin_ws = ${options.adminPort !== undefined}${options.adminPort !== undefined ? `\n  admin_ws_port = ${options.adminPort}\n  admin_ws_ip = "127.0.0.1"` : ''}
  admin_wss = false
}
`,
  );
  writeFileSync(
    join(dir, 'janus.plugin.videoroom.jcfg'),
    `general: {
  string_ids = false
}
`,
  );
};
