import { Redis } from 'ioredis';
import { defaultPresenceTuning, type PresenceTuning } from '../../../src/adapters/presence/presence-config';
import { RedisPresenceOutbox } from '../../../src/adapters/presence/redis-presence-outbox';
import { TcpPresenceNotifier } from '../../../src/adapters/presence/tcp-presence-notifier';
import { TestPresenceServer } from '../../support/presence-server';
import { arrivalOrderByUser, burstEvents, expectedOrderByUser } from '../../support/presence/presence-events';
import { startRedis, type RedisFixture } from '../../support/redis-fixture';
import { openSharedConnection } from '../../support/redis/shared-connection';
import type { RedisConnection } from '../../../src/adapters/shared/redis';
import { RecordingLogger } from '../../support/fakes/recording-logger';

jest.setTimeout(30_000);

const tuning: PresenceTuning = { ...defaultPresenceTuning, replyTimeoutMs: 1_000, connectTimeoutMs: 1_000, backoffBaseMs: 20, backoffMaxMs: 200, redisTimeoutMs: 1_000 };

let redisServer: RedisFixture;
let server: TestPresenceServer;
let logger: RecordingLogger;
const clients: Redis[] = [];
const connections: RedisConnection[] = [];
const notifiers: TcpPresenceNotifier[] = [];

/** Options as the state store's shared client uses them: no offline queue, no command retries. */
function client(url = redisServer.url): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, commandTimeout: 1_000, disconnectTimeout: 50, retryStrategy: (times) => Math.min(times * 50, 500) });
  redis.on('error', () => undefined);
  clients.push(redis);
  return redis;
}

/** The outbox's connection: the shared one the state store also uses. */
function connection(url = redisServer.url): RedisConnection {
  const opened = openSharedConnection({ url });
  connections.push(opened);
  return opened;
}

function notifierOn(
  nodeId: string,
  options: { max?: number; redis?: RedisConnection; livenessMs?: number; sweepIntervalMs?: number } = {},
): { notifier: TcpPresenceNotifier; outbox: RedisPresenceOutbox } {
  const max = options.max ?? tuning.outboxMax;
  const outbox = new RedisPresenceOutbox(
    options.redis ?? connection(),
    { nodeId, max, timeoutMs: tuning.redisTimeoutMs, retryBaseMs: 20, retryMaxMs: 200, livenessMs: options.livenessMs ?? 15_000, sweepIntervalMs: options.sweepIntervalMs ?? 0 },
    logger,
  );
  const notifier = new TcpPresenceNotifier({ host: '127.0.0.1', port: server.port }, { ...tuning, outboxMax: max }, outbox, logger);
  notifiers.push(notifier);
  notifier.start();
  return { notifier, outbox };
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
  await waitUntil(async () => (await admin.ping().catch(() => 'down')) === 'PONG', 5_000);
  await admin.flushall();
});

afterEach(async () => {
  await Promise.all(notifiers.splice(0).map((n) => n.shutdown(500)));
  await server.stop();
  for (const redis of clients.splice(0)) redis.disconnect();
  await Promise.all(connections.splice(0).map((c) => c.close()));
});

describe('RedisPresenceOutbox with the TCP notifier (real redis-server)', () => {
  it('survives a crashed node: events queued while the presence server is down are delivered by the next instance', async () => {
    await server.stop();
    const redis = client();
    const first = notifierOn('node-a');
    const events = burstEvents(300, 25);
    for (const event of events) first.notifier.notify(event);
    expect(first.notifier.stats().depth).toBe(300);
    await waitUntil(async () => (await redis.xlen('rtc:{presence}:outbox:node-a')) === 300, 5_000);
    expect(first.outbox.unpersisted).toBe(0);

    // The node dies: stop it without delivering (the presence server is still down).
    await first.notifier.shutdown(100);
    expect(await redis.xlen('rtc:{presence}:outbox:node-a')).toBe(300);

    await server.restart();
    const second = notifierOn('node-a');
    await server.waitFor(() => server.uniqueEventIds().size >= 300, 10_000, 'the 300 stored events');
    expect(arrivalOrderByUser(server.messages())).toEqual(expectedOrderByUser(events));
    await waitUntil(async () => (await redis.xlen('rtc:{presence}:outbox:node-a')) === 0, 5_000);
    expect(second.notifier.stats()).toMatchObject({ depth: 0, delivered: 300 });
    expect(logger.matching('warn', 'earlier process left undelivered')).toHaveLength(1);
  });

  it('new events queue behind the stored ones, so order per user holds across the restart', async () => {
    await server.stop();
    const redis = client();
    const events = burstEvents(100, 10);
    const first = notifierOn('node-b');
    for (const event of events.slice(0, 60)) first.notifier.notify(event);
    await waitUntil(async () => (await redis.xlen('rtc:{presence}:outbox:node-b')) === 60, 5_000);
    await first.notifier.shutdown(50);

    await server.restart();
    const second = notifierOn('node-b');
    for (const event of events.slice(60)) second.notifier.notify(event);
    await server.waitFor(() => server.uniqueEventIds().size >= 100, 10_000, '100 events');
    expect(arrivalOrderByUser(server.messages())).toEqual(expectedOrderByUser(events));
  });

  it('another node takes over a dead node\'s outbox with flushDeadNodeOutbox, exactly once', async () => {
    await server.stop();
    const redis = client();
    const dead = notifierOn('node-dead');
    const events = burstEvents(50, 5);
    for (const event of events) dead.notifier.notify(event);
    await waitUntil(async () => (await redis.xlen('rtc:{presence}:outbox:node-dead')) === 50, 5_000);
    await dead.notifier.shutdown(50);

    await server.restart();
    const live = notifierOn('node-live');
    const other = notifierOn('node-other');
    await waitUntil(() => live.outbox.isOpen && other.outbox.isOpen, 5_000);
    const [taken, takenTwice] = await Promise.all([live.notifier.flushDeadNodeOutbox('node-dead'), other.notifier.flushDeadNodeOutbox('node-dead')]);
    expect(taken + takenTwice).toBe(50);
    await server.waitFor(() => server.uniqueEventIds().size >= 50, 10_000, 'the adopted events');
    expect(arrivalOrderByUser(server.messages())).toEqual(expectedOrderByUser(events));
    expect(server.duplicateCount()).toBe(0);
    expect(await redis.exists('rtc:{presence}:outbox:node-dead')).toBe(0);
    await waitUntil(async () => (await redis.xlen('rtc:{presence}:outbox:node-live')) + (await redis.xlen('rtc:{presence}:outbox:node-other')) === 0, 5_000);
    await expect(live.notifier.flushDeadNodeOutbox('node-dead')).resolves.toBe(0);
    await expect(live.notifier.flushDeadNodeOutbox('node-live')).resolves.toBe(0);
  });

  it('a node paused while another took its outbox over does not send what it had stored, only what never reached Redis', async () => {
    await server.stop();
    const redis = client();
    const paused = notifierOn('node-p');
    const stored = burstEvents(30, 5);
    for (const event of stored) paused.notifier.notify(event);
    await waitUntil(async () => (await redis.xlen('rtc:{presence}:outbox:node-p')) === 30, 5_000);

    // node-p stops running (SIGSTOP): its liveness lapses and another node takes its stream over.
    await redis.del('rtc:{presence}:alive:node-p');
    const live = notifierOn('node-live');
    await waitUntil(() => live.outbox.isOpen, 5_000);
    expect(await live.notifier.flushDeadNodeOutbox('node-p')).toBe(30);

    // node-p runs again and notifies more: its write under the old epoch is refused.
    const later = burstEvents(5, 5, 1_800_000_000_000);
    for (const event of later) paused.notifier.notify(event);
    await waitUntil(() => logger.matching('warn', 'another node took over').length > 0, 5_000);
    await waitUntil(async () => (await redis.xlen('rtc:{presence}:outbox:node-p')) === 5, 5_000);

    await server.restart();
    await server.waitFor(() => server.uniqueEventIds().size >= 35, 10_000, 'the 30 taken over and the 5 later events');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.uniqueEventIds().size).toBe(35);
    expect(server.duplicateCount()).toBe(0);
    await waitUntil(() => paused.outbox.depth === 0 && live.outbox.depth === 0, 5_000);
  });

  it("a node paused while its stream was taken over does not adopt a dead node's stream it would then drop", async () => {
    await server.stop();
    const redis = client();
    // node-d dies with 20 undelivered notifications in its stream.
    const dead = notifierOn('node-d');
    const deadEvents = burstEvents(20, 4, 1_800_000_000_000);
    for (const event of deadEvents) dead.notifier.notify(event);
    await waitUntil(async () => (await redis.xlen('rtc:{presence}:outbox:node-d')) === 20, 5_000);
    await dead.notifier.shutdown(50);

    // node-n is paused past its liveness, and node-m takes its (empty) stream over, raising its epoch.
    const n = notifierOn('node-n', { livenessMs: 3_000 });
    const m = notifierOn('node-m');
    await waitUntil(() => n.outbox.isOpen && m.outbox.isOpen, 5_000);
    await redis.del('rtc:{presence}:alive:node-n');
    await m.notifier.flushDeadNodeOutbox('node-n');
    // node-n runs again, and its sweep comes before its heartbeat: it must not take node-d's entries (it
    // would drop them as another node's on learning it was taken over, and nobody reads its stream).
    expect(await n.notifier.flushDeadNodeOutbox('node-d')).toBe(0);
    await waitUntil(() => logger.matching('warn', 'another node took over').length > 0, 5_000);
    expect(await redis.xlen('rtc:{presence}:outbox:node-d')).toBe(20);
    expect(await m.notifier.flushDeadNodeOutbox('node-d')).toBe(20);

    await server.restart();
    await server.waitFor(() => server.uniqueEventIds().size >= 20, 10_000, "node-d's 20 events");
    expect(server.messages().map((msg) => msg.timestamp).sort()).toEqual(deadEvents.map((e) => e.at).sort());
  });

  it('holds at most its bound while the stored outbox cannot be loaded (Redis unreachable from the start)', async () => {
    const gone = await startRedis();
    const url = gone.url;
    await gone.stop();
    const { notifier, outbox } = notifierOn('node-x', { redis: connection(url), max: 100 });
    for (const event of burstEvents(20_000, 50, 1_900_000_000_000)) notifier.notify(event);
    expect(outbox.isOpen).toBe(false);
    expect(outbox.depth).toBe(100);
    // Nothing is written before the load, so what waits to be written is the only other holder of entries.
    const unwritten = (outbox as unknown as { unwritten: unknown[] }).unwritten.length;
    expect(unwritten).toBeLessThanOrEqual(2 * 100);
  });

  it('deletes each delivered event from the stream while the presence server is up', async () => {
    const redis = client();
    const { notifier } = notifierOn('node-c');
    for (const event of burstEvents(200, 20)) notifier.notify(event);
    await server.waitFor(() => server.uniqueEventIds().size >= 200, 10_000, '200 events');
    await waitUntil(async () => (await redis.xlen('rtc:{presence}:outbox:node-c')) === 0, 5_000);
    expect(notifier.stats().depth).toBe(0);
  });

  it('keeps the bound in Redis too: drops the oldest there and the next instance loads only what was kept', async () => {
    await server.stop();
    const redis = client();
    const first = notifierOn('node-d', { max: 10 });
    const events = burstEvents(25, 5);
    for (const event of events) first.notifier.notify(event);
    expect(first.notifier.stats()).toMatchObject({ depth: 10, dropped: 15 });
    await waitUntil(async () => (await redis.xlen('rtc:{presence}:outbox:node-d')) === 10, 5_000);
    await first.notifier.shutdown(50);

    await server.restart();
    notifierOn('node-d', { max: 10 });
    await server.waitFor(() => server.uniqueEventIds().size >= 10, 10_000, '10 kept events');
    expect(server.messages().map((m) => m.timestamp)).toEqual(events.slice(15).map((e) => e.at));
  });

  it('keeps delivering while Redis is unreachable, and notify() never throws', async () => {
    // A Redis of its own that dies once the outbox has loaded: every later persistence call fails.
    const brokenRedis = await startRedis();
    const broken = client(brokenRedis.url);
    const { notifier, outbox } = notifierOn('node-e', { redis: connection(brokenRedis.url) });
    await waitUntil(async () => (await broken.ping().catch(() => 'down')) === 'PONG', 5_000);
    await brokenRedis.stop();

    const events = burstEvents(40, 4);
    for (const event of events) expect(() => notifier.notify(event)).not.toThrow();
    await server.waitFor(() => server.uniqueEventIds().size >= 40, 10_000, '40 events without Redis');
    expect(arrivalOrderByUser(server.messages())).toEqual(expectedOrderByUser(events));
    await waitUntil(() => outbox.depth === 0, 2_000);
    await waitUntil(async () => logger.matching('warn', 'Redis did not').length > 0, 5_000);
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
