import { Redis } from 'ioredis';
import { startNodeProcess, type NodeProcess } from '../../support/node-process';
import { TestPresenceServer } from '../../support/presence-server';
import { arrivedSteps, expectStep, type ExpectedSteps } from '../../support/presence/presence-expectations';
import { startRedis, type RedisFixture } from '../../support/redis-fixture';
import { SignalingClient } from '../../support/signaling-client';

/**
 * Signaling nodes as separate processes with STATE_STORE=redis: one is SIGKILLed while its presence
 * events wait in its Redis outbox (the presence server is down), and they still arrive.
 */
jest.setTimeout(120_000);

let redisServer: RedisFixture;
let presence: TestPresenceServer;
let admin: Redis;
const nodes: NodeProcess[] = [];
const clients: SignalingClient[] = [];

function nodeEnv(nodeId: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    STATE_STORE: 'redis',
    REDIS_URL: redisServer.url,
    NODE_ID: nodeId,
    PRESENCE_TCP: `127.0.0.1:${presence.port}`,
    PRESENCE_BACKOFF_BASE_MS: '50',
    PRESENCE_BACKOFF_MAX_MS: '400',
    ...extra,
  };
}

async function startNode(env: Record<string, string>): Promise<NodeProcess> {
  const node = await startNodeProcess(env, 30_000);
  nodes.push(node);
  return node;
}

/** `users` users join a room each and leave it again through `node`; returns what presence must hear. */
async function joinAndLeave(node: NodeProcess, prefix: string, users: number): Promise<ExpectedSteps> {
  const expected: ExpectedSteps = new Map();
  await Promise.all(
    Array.from({ length: users }, async (_, i) => {
      const userId = `${prefix}-${i}`;
      const roomId = i % 2 === 0 ? `c-${i % 6}` : `r-${i % 6}`;
      const client = await SignalingClient.connect(node.wsUrl);
      clients.push(client);
      await client.join({ userId, roomId, communityId: i % 2 === 0 ? '7' : '0' });
      expectStep(expected, userId, 'enter', roomId);
      client.send({ id: 'leaveRoom', requestId: `${userId}-bye` });
      await client.next('ack', (m) => m.requestId === `${userId}-bye`, 15_000);
      expectStep(expected, userId, 'leave', roomId);
    }),
  );
  return expected;
}

beforeAll(async () => {
  redisServer = await startRedis();
  admin = new Redis(redisServer.url, { maxRetriesPerRequest: 0, disconnectTimeout: 50 });
  admin.on('error', () => undefined);
});

afterAll(async () => {
  admin.disconnect();
  await redisServer.stop();
});

beforeEach(async () => {
  presence = await TestPresenceServer.start();
  await admin.flushall();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(nodes.splice(0).map((n) => n.stop('SIGKILL')));
  await presence.stop();
});

describe('presence outbox in Redis across a SIGKILLed signaling node', () => {
  it('a node restarted with the same NODE_ID delivers what the killed one left in its outbox', async () => {
    await presence.stop();
    const first = await startNode(nodeEnv('node-crash'));
    const expected = await joinAndLeave(first, 'user', 30);
    await waitUntil(async () => (await admin.xlen('rtc:{presence}:outbox:node-crash')) === 60, 10_000);
    expect(await first.stop('SIGKILL')).toBeNull();
    expect(await admin.xlen('rtc:{presence}:outbox:node-crash')).toBe(60);

    await presence.restart();
    await startNode(nodeEnv('node-crash'));
    await presence.waitFor(() => presence.uniqueEventIds().size >= 60, 30_000, 'the 60 events of the killed node');
    expect(arrivedSteps(presence.messages())).toEqual(expected);
    const sample = presence.messages().find((m) => m.user_id === 'user-1' && m.type === 'enter');
    expect(sample).toMatchObject({ community_id: null, channel_id: 'r-1' });
    await waitUntil(async () => (await admin.xlen('rtc:{presence}:outbox:node-crash')) === 0, 10_000);
  });

  it('another node flushes a dead node\'s outbox by itself once the dead node\'s liveness lapsed', async () => {
    await presence.stop();
    const fastLiveness = { PRESENCE_OUTBOX_LIVENESS_MS: '1500', PRESENCE_REDIS_TIMEOUT_MS: '400', PRESENCE_OUTBOX_SWEEP_MS: '250' };
    const doomed = await startNode(nodeEnv('node-doomed', fastLiveness));
    const expected = await joinAndLeave(doomed, 'guest', 20);
    await waitUntil(async () => (await admin.xlen('rtc:{presence}:outbox:node-doomed')) === 40, 10_000);
    await doomed.stop('SIGKILL');

    await presence.restart();
    await startNode(nodeEnv('node-heir', fastLiveness));
    await presence.waitFor(() => presence.uniqueEventIds().size >= 40, 30_000, 'the dead node\'s 40 events');
    expect(arrivedSteps(presence.messages())).toEqual(expected);
    expect(await admin.exists('rtc:{presence}:outbox:node-doomed')).toBe(0);
  });

  it("the node that reaps a SIGKILLed node's rooms reports their members dropped (signaling, reason nodeLost)", async () => {
    const fastExpiry = { REDIS_HEARTBEAT_MS: '100', REDIS_NODE_EXPIRY_MS: '800' };
    const doomed = await startNode(nodeEnv('node-lost', fastExpiry));
    await startNode(nodeEnv('node-reaper', fastExpiry));
    const seats = [
      ['ana', 'voice-1'],
      ['ben', 'voice-1'],
      ['cy', 'voice-2'],
    ] as const;
    for (const [userId, roomId] of seats) {
      const client = await SignalingClient.connect(doomed.wsUrl);
      clients.push(client);
      await client.join({ userId, roomId, communityId: '7' });
    }
    await presence.waitFor(() => presence.messages().filter((m) => m.type === 'enter').length === 3, 10_000, 'three enters');
    expect(await doomed.stop('SIGKILL')).toBeNull();

    const dropped = () => presence.messages().filter((m) => m.type === 'signaling');
    await presence.waitFor(() => dropped().length >= 3, 15_000, 'three departures for the dead node\'s users');
    expect(dropped().map((m) => [m.user_id, m.channel_id, m.community_id, m.reason]).sort()).toEqual([
      ['ana', 'voice-1', '7', 'nodeLost'],
      ['ben', 'voice-1', '7', 'nodeLost'],
      ['cy', 'voice-2', '7', 'nodeLost'],
    ]);
    const enteredAt = Math.max(...presence.messages().filter((m) => m.type === 'enter').map((m) => Number(m.timestamp)));
    for (const departure of dropped()) expect(Number(departure.timestamp)).toBeGreaterThan(enteredAt);
    expect(await admin.exists('rtc:{room:voice-1}:meta')).toBe(0);
  });
});

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await Promise.resolve().then(check).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
