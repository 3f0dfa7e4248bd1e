import { hostname } from 'node:os';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port');
const urlList = (schemes: readonly string[]) =>
  z
    .string()
    .transform((s) => s.split(',').map((u) => u.trim()).filter(Boolean))
    .pipe(z.array(z.url({ protocol: new RegExp(`^(${schemes.join('|')})$`) })).min(1));

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
    ROOM_CAPACITY: positiveInt.max(1000).default(25),
    MAX_MESSAGE_BYTES: positiveInt.min(1024).max(1024 * 1024).default(64 * 1024),
    MAX_QUEUED_MESSAGES: positiveInt.default(256),
    PING_INTERVAL_MS: positiveInt.min(1000).default(30_000),
    STATIC_DIR: z.string().optional(),
    MEDIA_BACKEND: z.enum(['mesh', 'kurento', 'janus']).default('mesh'),
    KURENTO_URL: urlList(['ws', 'wss']).optional(),
    JANUS_URL: z.url({ protocol: /^wss?$/ }).optional(),
    MEDIA_TIMEOUT_MS: positiveInt.default(10_000),
    STATE_STORE: z.enum(['memory', 'redis']).default('memory'),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
    REDIS_CLUSTER_NODES: z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)).pipe(z.array(hostPort).min(1)).optional(),
    REDIS_KEY_PREFIX: z.string().regex(/^[\w:.-]{0,64}$/).default('rtc:'),
    PRESENCE_TCP: hostPort.optional(),
    AUTH: z.enum(['none', 'jwt']).default('none'),
  })
  .superRefine((c, ctx) => {
    if (c.MEDIA_BACKEND === 'kurento' && !c.KURENTO_URL) {
      ctx.addIssue({ code: 'custom', path: ['KURENTO_URL'], message: 'required when MEDIA_BACKEND=kurento (e.g. ws://127.0.0.1:8888/kurento)' });
    }
    if (c.MEDIA_BACKEND === 'janus' && !c.JANUS_URL) {
      ctx.addIssue({ code: 'custom', path: ['JANUS_URL'], message: 'required when MEDIA_BACKEND=janus (e.g. ws://127.0.0.1:8188)' });
    }
    if (c.STATE_STORE === 'redis' && !c.REDIS_URL && !c.REDIS_CLUSTER_NODES) {
      ctx.addIssue({ code: 'custom', path: ['REDIS_URL'], message: 'REDIS_URL or REDIS_CLUSTER_NODES is required when STATE_STORE=redis' });
    }
  });

export type RawConfig = z.infer<typeof ConfigSchema>;
export type Environment = Readonly<Record<string, string | undefined>>;
/** `env` keeps the raw variables so each backend's composition file can read its own tuning knobs. */
export type Config = RawConfig & { readonly nodeId: string; readonly env: Environment };

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export const loadConfig = (env: Environment): Config => {
  // An empty variable means "not set", as shells and compose files often leave them.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ConfigSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const key = issue.path.join('.') || '(environment)';
        const value = typeof issue.path[0] === 'string' ? present[issue.path[0]] : undefined;
        return `${key}: ${issue.message}${value !== undefined ? ` (got ${JSON.stringify(value)})` : ''}`;
      }),
    );
  }
  const c = parsed.data;
  return { ...c, nodeId: c.NODE_ID ?? `${hostname()}-${process.pid}`, env: present };
};
