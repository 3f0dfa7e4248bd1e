/**
 * A stand-in for a signaling node that holds presence events in its Redis outbox, run as its own process
 * so a test can SIGKILL it. Configured by environment: REDIS_URL, NODE_ID, PRESENCE_PORT (a port where
 * no presence server listens, so nothing gets delivered), COUNT, USERS, BASE (first timestamp),
 * LIVENESS_MS. Prints `PERSISTED <n>` once all events are in Redis, then waits to be killed.
 */
import type { Logger } from '../../../src/application';
import { defaultPresenceTuning } from '../../../src/adapters/presence/presence-config';
import { RedisPresenceOutbox } from '../../../src/adapters/presence/redis-presence-outbox';
import { TcpPresenceNotifier } from '../../../src/adapters/presence/tcp-presence-notifier';
import { burstEvents } from './presence-events';
import { openSharedConnection } from '../redis/shared-connection';

const env = process.env;
const number = (name: string, fallback: number): number => Number(env[name] ?? fallback);

const logger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (fields, message) => process.stderr.write(`warn ${message} ${JSON.stringify(fields)}\n`),
  error: (fields, message) => process.stderr.write(`error ${message} ${JSON.stringify(fields)}\n`),
};

const redis = openSharedConnection({ url: env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
const outbox = new RedisPresenceOutbox(
  redis,
  { nodeId: env.NODE_ID ?? 'holder', max: 10_000, timeoutMs: 1_000, livenessMs: number('LIVENESS_MS', 15_000), sweepIntervalMs: 0, retryBaseMs: 20, retryMaxMs: 200 },
  logger,
);
const notifier = new TcpPresenceNotifier(
  { host: '127.0.0.1', port: number('PRESENCE_PORT', 9) },
  { ...defaultPresenceTuning, connectTimeoutMs: 500, backoffBaseMs: 50, backoffMaxMs: 200 },
  outbox,
  logger,
);
notifier.start();
for (const event of burstEvents(number('COUNT', 100), number('USERS', 10), number('BASE', 1_700_000_000_000))) notifier.notify(event);

const poll = setInterval(() => {
  if (outbox.isOpen && outbox.unpersisted === 0) {
    clearInterval(poll);
    process.stdout.write(`PERSISTED ${outbox.depth}\n`);
  }
}, 20);
// Stays up until killed, like a node serving clients.
setInterval(() => undefined, 60_000);
