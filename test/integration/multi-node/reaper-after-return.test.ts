import { Redis } from 'ioredis';
import { RedisKeys } from '../../../src/adapters/redis';
import { REAP_ROOM_SCRIPT } from '../../../src/adapters/redis/room-scripts';
import { ADMIN_TOKEN, servedRooms, sleep } from '../../support/multi-node/fault-lab';
import { startRedis, type RedisFixture } from '../../support/redis-fixture';
import { HoldingProxy } from '../../support/redis/holding-proxy';
import { eventually, uniquePrefix } from '../../support/redis/redis-node-harness';
import { SignalingNodes, type SignalingNode } from '../../support/redis/signaling-nodes';
import type { SignalingClient } from '../../support/signaling-client';

jest.setTimeout(60_000);

const CAPACITY = 3;
// A heartbeat long enough that the returned host's next renewal comes well after the checks below.
const HEARTBEAT_MS = 1_000;
const EXPIRY_MS = 3_000;

/**
 * A host paused past its expiry comes back and renews its room's lease (nobody took the room meanwhile),
 * while a reaper that found it dead just before is still on its way to reap that room: the reaper's
 * request reaches Redis after the renewal. Redis must not then take the renewed lease from the host that
 * holds it, or the room is free for another node while the host serves on under a lease it was just
 * granted: two nodes serve the room, and together more members than its capacity.
 *
 * The reaper's Redis traffic goes through a relay that holds back its reap of the room until the host
 * renewed, so the order is certain; in production it is the reaper's slices (half a heartbeat) or any
 * network delay.
 */
describe('a reaper whose reap of a room lands after its host came back and renewed it', () => {
  let redis: RedisFixture;
  let proxy: HoldingProxy;
  let inspector: Redis;
  const groups: SignalingNodes[] = [];

  beforeEach(async () => {
    redis = await startRedis();
    proxy = await HoldingProxy.start(redis.port);
    inspector = new Redis(redis.url);
  });
  afterEach(async () => {
    for (const group of groups) for (const node of group.nodes) node.process.child.kill('SIGCONT');
    await Promise.all(groups.splice(0).map((g) => g.stopAll()));
    inspector.disconnect();
    await proxy.close();
    await redis.stop();
  });

  const startNode = async (nodeId: string, redisUrl: string, prefix: string): Promise<{ group: SignalingNodes; node: SignalingNode }> => {
    const group = new SignalingNodes({
      NODE_ID: nodeId,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: prefix,
      REDIS_HEARTBEAT_MS: String(HEARTBEAT_MS),
      REDIS_NODE_EXPIRY_MS: String(EXPIRY_MS),
      ROOM_CAPACITY: String(CAPACITY),
      ADMIN_TOKEN,
    });
    groups.push(group);
    const [node] = await group.start(1);
    return { group, node: node! };
  };

  it('leaves the lease with the host: only one node serves the room, within its capacity', async () => {
    const prefix = uniquePrefix();
    const keys = new RedisKeys(prefix).room('hall');
    const { group: hostGroup, node: host } = await startNode('node-a', redis.url, prefix);
    const { group: reaperGroup, node: reaper } = await startNode('node-c', proxy.url, prefix);
    await sleep(HEARTBEAT_MS * 2);

    // Joined at the host directly: a join claims a free room for the node it reaches.
    const alice = await hostGroup.connect(host.wsUrl);
    await alice.join({ userId: 'alice', roomId: 'hall' });
    const bob = await hostGroup.connect(host.wsUrl);
    await bob.join({ userId: 'bob', roomId: 'hall' });
    expect(await inspector.get(keys.host)).toBe('node-a');
    const epochBefore = await inspector.hget(keys.fence, 'epoch');

    // The reaper's reap of this room (the host found dead) is held back on its way to Redis.
    proxy.arm((text) => text.includes(REAP_ROOM_SCRIPT.sha) && text.includes('{room:hall}') && text.includes('dead'));
    host.process.child.kill('SIGSTOP');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      proxy.triggered,
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('the reaper never reaped the paused host')), EXPIRY_MS * 3))),
    ]).finally(() => clearTimeout(timer));
    host.process.child.kill('SIGCONT');
    // Nobody took the room: the host's first heartbeat back renews its lease under the same epoch.
    await eventually(async () => (await inspector.pttl(keys.host)) > EXPIRY_MS - 500, 3_000, 10);
    expect(await inspector.get(keys.host)).toBe('node-a');
    expect(await inspector.hget(keys.fence, 'epoch')).toBe(epochBefore);

    proxy.release();
    await sleep(100);
    // Another client comes for the room through the reaper.
    const located = await reaperGroup.locate('hall', reaper);
    const joiners: SignalingClient[] = [];
    if (located.url === reaper.wsUrl) {
      for (const userId of ['carol', 'dave', 'erin']) {
        const client = await reaperGroup.connect(reaper.wsUrl);
        client.send({ id: 'joinRoom', userId, roomId: 'hall', communityId: '1', audio: true, video: true });
        joiners.push(client);
      }
      await Promise.all(joiners.map((c) => c.next('existingParticipants', () => true, 5_000).catch(() => undefined)));
    }

    const [atHost, atReaper] = await Promise.all([servedRooms(host, 1_000), servedRooms(reaper, 1_000)]);
    // Named by NODE_ID (each group calls its one node node-1).
    const serving = [
      ...(atHost ?? []).map((r) => ({ ...r, nodeId: 'node-a' })),
      ...(atReaper ?? []).map((r) => ({ ...r, nodeId: 'node-c' })),
    ].filter((r) => r.roomId === 'hall' && r.serving);
    // Whichever node serves the room now, it is one node, and within capacity.
    expect(serving.map((r) => r.nodeId)).toHaveLength(1);
    expect(serving.reduce((n, r) => n + r.members.length, 0)).toBeLessThanOrEqual(CAPACITY);
    // The host came back and renewed before anyone else wanted the room: it keeps it.
    expect(located.nodeId).toBe('node-a');
    expect(serving[0]?.nodeId).toBe('node-a');
    // The late reap changed nothing: same lease, same members, nobody reported gone.
    expect(await inspector.get(keys.host)).toBe('node-a');
    expect(await inspector.hget(keys.fence, 'epoch')).toBe(epochBefore);
    expect(Object.keys(await inspector.hgetall(keys.members)).filter((f) => f.startsWith('conn:')).sort()).toEqual(['conn:alice', 'conn:bob']);
    // Its members still talk through it.
    alice.send({ id: 'peerOffer', userId: 'bob', sdpOffer: 'v=0 after the return' });
    await bob.next('subscribeOffer', (m) => m.sdpOffer === 'v=0 after the return', 3_000);
  });
});
