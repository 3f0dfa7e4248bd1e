import { Redis } from 'ioredis';
import { defaultPresenceTuning, type PresenceTuning } from '../../../src/adapters/presence/presence-config';
import { RedisPresenceOutbox } from '../../../src/adapters/presence/redis-presence-outbox';
import { TcpPresenceNotifier } from '../../../src/adapters/presence/tcp-presence-notifier';
import { TestPresenceServer } from '../../support/presence-server';
import { startOutboxHolder, type OutboxHolder } from '../../support/presence/outbox-holder-process';
import { arrivalOrderByUser, burstEvents, expectedOrderByUser } from '../../support/presence/presence-events';
import { RecordingLogger } from '../../support/fakes/recording-logger';
import { startRedis, type RedisFixture } from '../../support/redis-fixture';
import { freePort } from '../../support/redis/free-port';
import { openSharedConnection } from '../../support/redis/shared-connection';
import type { RedisConnection } from '../../../src/adapters/shared/redis';

/**
 * A process holding events in its Redis outbox is SIGKILLed (no shutdown code runs); the events are then
 * delivered by a new instance with the same node id, or taken over by another node's sweep.
 */
jest.setTimeout(60_000);

const tuning: PresenceTuning = { ...defaultPresenceTuning, replyTimeoutMs: 1_000, connectTimeoutMs: 1_000, backoffBaseMs: 20, backoffMaxMs: 200, redisTimeoutMs: 1_000 };

let redisServer: RedisFixture;
let server: TestPresenceServer;
let logger: RecordingLogger;
const clients: Redis[] = [];
const connections: RedisConnection[] = [];
const notifiers: TcpPresenceNotifier[] = [];
const holders: OutboxHolder[] = [];

function client(): Redis {
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, commandTimeout: 1_000, disconnectTimeout: 50 });
  redis.on('error', () => undefined);
  clients.push(redis);
  return redis;
}

/** The outbox's connection: the shared one the state store also uses. */
function connection(): RedisConnection {
  const opened = openSharedConnection({ url: redisServer.url });
  connections.push(opened);
  return opened;
}

function notifierOn(nodeId: string, sweepIntervalMs: number): { notifier: TcpPresenceNotifier; outbox: RedisPresenceOutbox } {
  const outbox = new RedisPresenceOutbox(connection(), { nodeId, max: 10_000, timeoutMs: 1_000, retryBaseMs: 20, retryMaxMs: 200, livenessMs: 15_000, sweepIntervalMs }, logger);
  const notifier = new TcpPresenceNotifier({ host: '127.0.0.1', port: server.port }, tuning, outbox, logger);
  notifiers.push(notifier);
  notifier.start();
  return { notifier, outbox };
}

/** `presencePort`: where the holder sends; a port nobody listens on keeps its events in the outbox. */
async function holder(nodeId: string, count: number, livenessMs: number, presencePort = server.port): Promise<OutboxHolder> {
  const started = await startOutboxHolder({
    REDIS_URL: redisServer.url,
    NODE_ID: nodeId,
    PRESENCE_PORT: String(presencePort),
    COUNT: String(count),
    USERS: '25',
    LIVENESS_MS: String(livenessMs),
  });
  holders.push(started);
  return started;
}

beforeAll(async () => {
  redisServer = await startRedis();
});

afterAll(async () => {
  await redisServer.stop();
});

beforeEach(async () => {
  logger = new RecordingLogger();
  server = await TestPresenceServer.start();
  const admin = client();
  await waitUntil(async () => (await admin.ping()) === 'PONG', 5_000);
  await admin.flushall();
});

afterEach(async () => {
  await Promise.all(holders.splice(0).map((h) => h.kill()));
  await Promise.all(notifiers.splice(0).map((n) => n.shutdown(500)));
  await server.stop();
  for (const redis of clients.splice(0)) redis.disconnect();
  await Promise.all(connections.splice(0).map((c) => c.close()));
});

describe('Redis presence outbox across a SIGKILLed process (real redis-server)', () => {
  it('a restarted instance with the same node id delivers everything the killed one held, in order per user', async () => {
    await server.stop();
    const redis = client();
    const crashed = await holder('node-k', 300, 15_000);
    expect(crashed.persisted).toBe(300);
    await crashed.kill();
    expect(await redis.xlen('rtc:{presence}:outbox:node-k')).toBe(300);

    await server.restart();
    const restarted = notifierOn('node-k', 0);
    await server.waitFor(() => server.uniqueEventIds().size >= 300, 15_000, 'the 300 events of the killed process');
    expect(arrivalOrderByUser(server.messages())).toEqual(expectedOrderByUser(burstEvents(300, 25)));
    await waitUntil(async () => (await redis.xlen('rtc:{presence}:outbox:node-k')) === 0, 5_000);
    expect(restarted.notifier.stats()).toMatchObject({ delivered: 300, depth: 0 });
    expect(logger.matching('warn', 'earlier process left undelivered')).toHaveLength(1);
  });

  it('another node takes a dead node\'s outbox over by itself once its liveness lapses, and leaves a live one alone', async () => {
    await server.stop();
    const redis = client();
    // This node cannot reach the presence server (it tries a port nobody listens on) but stays alive.
    const live = await holder('node-live', 40, 15_000, await freePort());
    const crashed = await holder('node-crashed', 120, 1_500);
    await crashed.kill();

    await server.restart();
    const survivor = notifierOn('node-survivor', 200);
    await server.waitFor(() => server.uniqueEventIds().size >= 120, 15_000, 'the dead node\'s 120 events');
    expect(arrivalOrderByUser(server.messages())).toEqual(expectedOrderByUser(burstEvents(120, 25)));
    expect(await redis.exists('rtc:{presence}:outbox:node-crashed')).toBe(0);
    expect(await redis.sismember('rtc:{presence}:owners', 'node-crashed')).toBe(0);
    expect(logger.matching('warn', 'adopted the notifications of a dead node')).toHaveLength(1);
    await waitUntil(() => survivor.notifier.stats().depth === 0, 5_000);

    // The live holder's events stay in its own outbox: it is alive, so the sweep must not take them.
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(await redis.xlen('rtc:{presence}:outbox:node-live')).toBe(40);
    expect(server.uniqueEventIds().size).toBe(120);
    await expect(survivor.notifier.flushDeadNodeOutbox('node-live')).resolves.toBe(0);
    expect(live.persisted).toBe(40);
  });
});

/** Polls `check`; a rejection (Redis not connected yet) counts as "not yet". */
async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await Promise.resolve().then(check).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
