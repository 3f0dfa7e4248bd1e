import { Redis } from 'ioredis';
import { loadConfig } from '../../../src/config';
import { startNode, type RunningNode } from '../../../src/start-node';
import { TestPresenceServer } from '../../support/presence-server';
import { arrivedSteps, expectStep, readMetric, timestampsMonotonic, type ExpectedSteps } from '../../support/presence/presence-expectations';
import { RecordingLogger } from '../../support/fakes/recording-logger';
import { startRedis } from '../../support/redis-fixture';
import { SignalingClient } from '../../support/signaling-client';
import { startTestServer } from '../../support/start-server';

/** A real signaling node (in-process, mesh, memory store) telling a real TCP presence server. */
jest.setTimeout(90_000);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** Short backoff so the node reconnects soon after the presence server comes back. */
const FAST = { PRESENCE_BACKOFF_BASE_MS: '50', PRESENCE_BACKOFF_MAX_MS: '400', PRESENCE_REPLY_TIMEOUT_MS: '3000' };

let presence: TestPresenceServer;
let node: RunningNode | undefined;
const clients: SignalingClient[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

async function connect(): Promise<SignalingClient> {
  if (!node) throw new Error('no node');
  const client = await SignalingClient.connect(node.wsUrl);
  clients.push(client);
  return client;
}

async function leave(client: SignalingClient, requestId: string): Promise<void> {
  client.send({ id: 'leaveRoom', requestId });
  await client.next('ack', (m) => m.requestId === requestId, 15_000);
}

beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => process.off('unhandledRejection', onUnhandled));

beforeEach(async () => {
  presence = await TestPresenceServer.start();
  unhandled.length = 0;
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await node?.stop(1_000);
  node = undefined;
  await presence.stop();
  expect(unhandled).toEqual([]);
});

/**
 * 50 users x 10 cycles of join + leave (a third of them by dropping the socket) through the node, plus
 * 10 room observers; the presence server goes down (with one message read and unanswered) for part of
 * it. `env` picks the state store, so the outbox is in memory or in Redis.
 */
async function burstThroughOutage(env: Record<string, string>, label: string, whileDown: () => Promise<void> = async () => undefined): Promise<void> {
  // 60 clients from one loopback address, each joining up to 10 times: above the per-IP abuse limits' defaults.
  node = await startTestServer({ PRESENCE_TCP: `127.0.0.1:${presence.port}`, ...FAST, MAX_CONNECTIONS_PER_IP: '1000', JOINS_PER_MINUTE: '1000', ...env });
  const USERS = 50;
  const CYCLES = 10;
  const rooms = Array.from({ length: 5 }, (_, i) => [
    { roomId: `c-${i}`, communityId: '7' },
    { roomId: `r-${i}`, communityId: '0' },
  ]).flat();
  const expected: ExpectedSteps = new Map();
  // One observer per room sees every departure as participantLeft: proof the node handled a drop
  // before the same user joins again (otherwise the new join would be a takeover of the old socket).
  const observers = new Map<string, SignalingClient>();
  for (const room of rooms) {
    const observer = await connect();
    await observer.join({ userId: `observer-${room.roomId}`, ...room });
    expectStep(expected, `observer-${room.roomId}`, 'enter', room.roomId);
    observers.set(room.roomId, observer);
  }

  const burstStarted = performance.now();
  let cyclesDone = 0;
  let burstDone = false;
  let joinsDuringOutage = 0;
  let depthDuringOutage = 0;
  let outageMs = 0;
  const outage = (async () => {
    await waitUntil(() => cyclesDone >= 100, 60_000);
    // Stop while one message is read but unanswered, so it must be sent again.
    presence.mode = 'silent';
    const seen = presence.received.length;
    await presence.waitFor(() => presence.received.length > seen, 10_000, 'an unanswered message');
    const outageStarted = performance.now();
    await presence.stop();
    // Down until a good part of the burst happened meanwhile (or the burst is over).
    await waitUntil(() => joinsDuringOutage >= 100 || burstDone, 60_000);
    depthDuringOutage = await readMetric(node?.httpUrl ?? '', 'rtc_presence_outbox_depth');
    await whileDown();
    presence.mode = 'ack';
    await presence.restart();
    outageMs = Math.round(performance.now() - outageStarted);
  })();

  const user = async (index: number): Promise<void> => {
    const userId = `user-${index}`;
    let client = await connect();
    for (let cycle = 0; cycle < CYCLES; cycle += 1) {
      const room = rooms[(index + cycle) % rooms.length] ?? rooms[0]!;
      await client.join({ userId, ...room });
      if (!presence.isRunning) joinsDuringOutage += 1;
      expectStep(expected, userId, 'enter', room.roomId);
      if ((index + cycle) % 3 === 0) {
        const observer = observers.get(room.roomId)!;
        const seen = observer.next('participantLeft', (m) => m.userId === userId, 15_000);
        await client.close();
        await seen;
        expectStep(expected, userId, 'signaling', room.roomId);
        client = await connect();
      } else {
        await leave(client, `${userId}-${cycle}`);
        expectStep(expected, userId, 'leave', room.roomId);
      }
      cyclesDone += 1;
    }
  };
  await Promise.all(Array.from({ length: USERS }, (_, i) => user(i)));
  for (const [roomId, observer] of observers) {
    await leave(observer, `observer-${roomId}`);
    expectStep(expected, `observer-${roomId}`, 'leave', roomId);
  }
  burstDone = true;
  await outage;

  const total = USERS * CYCLES * 2 + rooms.length * 2;
  await presence.waitFor(() => presence.uniqueEventIds().size >= total, 60_000, `all ${total} events`);
  const elapsedMs = Math.round(performance.now() - burstStarted);
  // The burst went on while the presence server was down, and the events waited in the outbox.
  expect(joinsDuringOutage).toBeGreaterThan(0);
  expect(depthDuringOutage).toBeGreaterThan(0);
  expect(arrivedSteps(presence.messages())).toEqual(expected);
  expect(timestampsMonotonic(presence.messages())).toBe(true);
  const duplicates = presence.duplicateCount();
  expect(duplicates).toBeGreaterThanOrEqual(1);
  expect(presence.messages()).toHaveLength(total + duplicates);
  process.stdout.write(
    `presence burst (${label}): ${total} events, ${duplicates} duplicate(s), ${joinsDuringOutage} joins during a ${outageMs} ms outage, ` +
      `outbox depth ${depthDuringOutage} at restart, all delivered ${elapsedMs} ms after the burst began\n`,
  );
  await waitUntil(async () => (await readMetric(node?.httpUrl ?? '', 'rtc_presence_outbox_depth')) === 0, 5_000);
}

describe('presence notifications from a real signaling node', () => {
  it('sends enter on join, leave on leaveRoom, signaling on a dropped socket, leave+enter on a takeover', async () => {
    node = await startTestServer({ PRESENCE_TCP: `127.0.0.1:${presence.port}` });
    const before = Date.now();
    const alice = await connect();
    const bob = await connect();
    await alice.join({ userId: 'alice', roomId: 'c-10', communityId: '3' });
    await bob.join({ userId: 'bob', roomId: 'r-55', communityId: '0' });
    await presence.waitFor(() => presence.messages().length >= 2, 10_000, 'two enters');

    await leave(alice, 'bye');
    await presence.waitFor(() => presence.messages().length >= 3, 10_000, 'the leave');
    await bob.close();
    await presence.waitFor(() => presence.messages().length >= 4, 10_000, 'the drop');

    const carol = await connect();
    await carol.join({ userId: 'carol', roomId: 'c-10', communityId: '3' });
    const carolAgain = await connect();
    await carolAgain.join({ userId: 'carol', roomId: 'c-10', communityId: '3' });
    await presence.waitFor(() => presence.messages().length >= 7, 10_000, 'the takeover');

    const messages = presence.messages();
    expect(messages.map(({ event_id: _id, timestamp: _at, ...rest }) => rest)).toEqual([
      { type: 'enter', user_id: 'alice', community_id: '3', channel_id: 'c-10' },
      { type: 'enter', user_id: 'bob', community_id: null, channel_id: 'r-55' },
      { type: 'leave', user_id: 'alice', community_id: '3', channel_id: 'c-10', reason: 'left' },
      { type: 'signaling', user_id: 'bob', community_id: null, channel_id: 'r-55', reason: 'dropped' },
      { type: 'enter', user_id: 'carol', community_id: '3', channel_id: 'c-10' },
      { type: 'leave', user_id: 'carol', community_id: '3', channel_id: 'c-10', reason: 'replaced' },
      { type: 'enter', user_id: 'carol', community_id: '3', channel_id: 'c-10' },
    ]);
    for (const message of messages) {
      expect(message.event_id).toMatch(UUID);
      expect(message.timestamp).toEqual(expect.any(Number));
      expect(Number(message.timestamp)).toBeGreaterThanOrEqual(before);
      expect(Number(message.timestamp)).toBeLessThanOrEqual(Date.now());
    }
    expect(presence.uniqueEventIds().size).toBe(7);
    // Every line is CRLF-framed JSON on one persistent connection.
    expect(presence.received.every((m) => m.json !== undefined)).toBe(true);
    expect(new Set(presence.received.map((m) => m.connection)).size).toBe(1);
    expect(presence.duplicateCount()).toBe(0);
  });

  it('loses nothing when the presence server is down during a burst of 1,000 joins and leaves; in order per user', async () => {
    await burstThroughOutage({}, 'memory outbox');
  });

  it('the same burst with STATE_STORE=redis: the outbox is a Redis stream, emptied once all is delivered', async () => {
    const redisServer = await startRedis();
    const admin = new Redis(redisServer.url, { maxRetriesPerRequest: 0, disconnectTimeout: 50 });
    admin.on('error', () => undefined);
    try {
      let storedWhileDown = 0;
      await burstThroughOutage({ STATE_STORE: 'redis', REDIS_URL: redisServer.url, NODE_ID: 'burst-node' }, 'redis outbox', async () => {
        // What waits is in Redis too (persisted in the background, so give it a moment).
        await waitUntil(async () => (await admin.xlen('rtc:{presence}:outbox:burst-node')) > 0, 5_000);
        storedWhileDown = await admin.xlen('rtc:{presence}:outbox:burst-node');
      });
      expect(storedWhileDown).toBeGreaterThan(0);
      await waitUntil(async () => (await admin.xlen('rtc:{presence}:outbox:burst-node')) === 0, 10_000);
      expect(await admin.sismember('rtc:{presence}:owners', 'burst-node')).toBe(1);
    } finally {
      await node?.stop(1_000);
      node = undefined;
      admin.disconnect();
      await redisServer.stop();
    }
  });

  it('a presence server that accepts but never replies does not slow joins down', async () => {
    presence.mode = 'silent';
    node = await startTestServer({ PRESENCE_TCP: `127.0.0.1:${presence.port}`, PRESENCE_REPLY_TIMEOUT_MS: '5000' });
    const latencies: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const client = await connect();
      const started = performance.now();
      await client.join({ userId: `u-${i}`, roomId: `c-${i % 4}` });
      latencies.push(performance.now() - started);
      await leave(client, `l-${i}`);
    }
    await presence.waitFor(() => presence.received.length >= 1, 5_000, 'the first message');
    // The notifier is stuck on its first message (no reply for 5 s) while 20 joins went through.
    expect(presence.uniqueEventIds().size).toBe(1);
    expect(Math.max(...latencies)).toBeLessThan(1_000);
    expect(await readMetric(node.httpUrl, 'rtc_presence_outbox_depth')).toBeGreaterThanOrEqual(39);
  });

  it('a malformed reply is logged and crashes nothing; the node keeps serving and notifying', async () => {
    presence.mode = 'garbage';
    const logger = new RecordingLogger();
    node = await startNode(loadConfig({ PORT: '0', HOST: '127.0.0.1', PRESENCE_TCP: `127.0.0.1:${presence.port}`, LOAD_SHED_LAG_MS: '0' }), logger);
    const alice = await connect();
    await alice.join({ userId: 'alice', roomId: 'c-1' });
    await leave(alice, 'l1');
    await presence.waitFor(() => presence.messages().length >= 2, 10_000, 'enter and leave');
    await waitUntil(() => logger.matching('warn', 'malformed presence reply').length >= 1, 5_000);
    expect(JSON.stringify(logger.matching('warn', 'malformed presence reply')[0]?.fields)).toContain('reply');

    presence.mode = 'ack';
    const bob = await connect();
    await bob.join({ userId: 'bob', roomId: 'c-1' });
    await presence.waitFor(() => presence.messages().some((m) => m.user_id === 'bob'), 10_000, "bob's enter");
    expect((await fetch(`${node.httpUrl}/healthz`)).status).toBe(200);
    // Garbage counts as an answer: nothing was sent twice.
    expect(presence.duplicateCount()).toBe(0);
  });

  it('stopping the node flushes what waits, the departures of the drain included, within the deadline', async () => {
    await presence.stop();
    node = await startTestServer({ PRESENCE_TCP: `127.0.0.1:${presence.port}`, ...FAST });
    const alice = await connect();
    await alice.join({ userId: 'alice', roomId: 'c-1' });
    const bob = await connect();
    await bob.join({ userId: 'bob', roomId: 'r-2', communityId: '0' });
    await presence.restart();
    const stopping = node;
    node = undefined;
    await stopping.stop(5_000);
    const steps = arrivedSteps(presence.messages());
    // The drain departs everyone with reason `shutdown`, which presence hears as a dropped connection.
    expect(steps.get('alice')).toEqual(['enter:c-1', 'signaling:c-1']);
    expect(steps.get('bob')).toEqual(['enter:r-2', 'signaling:r-2']);
    expect(presence.messages().find((m) => m.user_id === 'bob' && m.type === 'signaling')).toMatchObject({ reason: 'shutdown', community_id: null });
  });

  it('stopping the node while the presence server stays down returns by the deadline', async () => {
    await presence.stop();
    node = await startTestServer({ PRESENCE_TCP: `127.0.0.1:${presence.port}`, ...FAST });
    const alice = await connect();
    await alice.join({ userId: 'alice', roomId: 'c-1' });
    const stopping = node;
    node = undefined;
    const started = performance.now();
    await stopping.stop(1_000);
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await Promise.resolve().then(check).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
