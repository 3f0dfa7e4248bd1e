import { hostname } from 'node:os';
import { z } from 'zod';
import { ConfigError, describeIssues, list, whole, type Environment } from './adapters/shared/settings';

export { ConfigError, type Environment } from './adapters/shared/settings';

const port = whole(0, 65535);
const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port');
const urlList = (schemes: readonly string[]) => list.pipe(z.array(z.url({ protocol: new RegExp(`^(${schemes.join('|')})$`) })).min(1));

/**
 * Every setting, from environment variables, checked once at start-up. Each bad value is named with
 * what was expected, and the server does not start.
 */
const ConfigSchema = z
  .object({
    PORT: port.default(8080),
    HOST: z.string().min(1).default('0.0.0.0'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    NODE_ID: z.string().regex(/^[\w.-]{1,64}$/).optional(),
    PUBLIC_URL: z.url({ protocol: /^wss?$/ }).optional(),
    ROOM_CAPACITY: whole(1, 1000).default(25),
    MAX_ROOMS_PER_NODE: whole(1).optional(),
    MAX_MESSAGE_BYTES: whole(1024, 1024 * 1024).default(64 * 1024),
    // Above the default message burst (900 with ROOM_CAPACITY 25): a full-room join waits in the queue
    // behind its own offers; MAX_QUEUED_BYTES bounds what those messages may weigh.
    MAX_QUEUED_MESSAGES: whole(1).default(1024),
    PING_INTERVAL_MS: whole(1000).default(30_000),
    /** SIGTERM to exit: the drain's whole budget (a node still stopping then exits with status 1). */
    DRAIN_DEADLINE_MS: whole(1000, 3_600_000).default(10_000),
    STATIC_DIR: z.string().optional(),
    MEDIA_BACKEND: z.enum(['mesh', 'kurento', 'janus']).default('mesh'),
    /** Mesh: SDP bytes one member may have relayed to one other at once (refilled at an eighth of it per second). */
    MESH_SDP_BURST_BYTES: whole(64 * 1024).default(512 * 1024),
    KURENTO_URL: urlList(['ws', 'wss']).optional(),
    JANUS_URL: z.url({ protocol: /^wss?$/ }).optional(),
    MEDIA_TIMEOUT_MS: whole(1).default(10_000),
    STATE_STORE: z.enum(['memory', 'redis']).default('memory'),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
    REDIS_CLUSTER_NODES: list.pipe(z.array(hostPort).min(1)).optional(),
    REDIS_KEY_PREFIX: z.string().regex(/^[\w:.-]{0,64}$/).default('rtc:'),
    PRESENCE_TCP: z
      .string()
      .regex(/^(\[[\da-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/, 'expected host:port, IPv6 in brackets ([::1]:7000)')
      .optional(),
    AUTH: z.enum(['none', 'jwt']).default('none'),
  });

/**
 * Settings that need each other. Checked on the raw values so that they are reported together with any
 * other bad value, not only once everything else is right.
 */
const companionProblems = (env: Readonly<Record<string, string>>): string[] => {
  const problems: string[] = [];
  if (env.MEDIA_BACKEND === 'kurento' && !env.KURENTO_URL) {
    problems.push('KURENTO_URL: required when MEDIA_BACKEND=kurento (e.g. ws://127.0.0.1:8888/kurento)');
  }
  if (env.MEDIA_BACKEND === 'janus' && !env.JANUS_URL) {
    problems.push('JANUS_URL: required when MEDIA_BACKEND=janus (e.g. ws://127.0.0.1:8188)');
  }
  if (env.STATE_STORE === 'redis' && !env.REDIS_URL && !env.REDIS_CLUSTER_NODES) {
    problems.push('REDIS_URL: REDIS_URL or REDIS_CLUSTER_NODES is required when STATE_STORE=redis');
  }
  return problems;
};

export type RawConfig = z.infer<typeof ConfigSchema>;
/** `env` keeps the raw variables so each backend's composition file can read its own tuning knobs. */
export type Config = RawConfig & { readonly nodeId: string; readonly env: Environment };

export const loadConfig = (env: Environment): Config => {
  // An empty variable means "not set", as shells and compose files often leave them.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ConfigSchema.safeParse(present);
  const problems = [
    ...(parsed.success ? [] : describeIssues(parsed.error.issues, present)),
    ...companionProblems(present as Record<string, string>),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const c = parsed.data;
  return { ...c, nodeId: c.NODE_ID ?? `${hostname()}-${process.pid}`, env: present };
};
