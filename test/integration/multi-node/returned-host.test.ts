import { Redis } from 'ioredis';
import { RedisKeys } from '../../../src/adapters/redis';
import { CLAIM_ROOM_SCRIPT, REAP_ROOM_SCRIPT } from '../../../src/adapters/redis/room-scripts';
import { ADMIN_TOKEN, servedRooms, sleep } from '../../support/multi-node/fault-lab';
import { startRedis, type RedisFixture } from '../../support/redis-fixture';
import { HoldingProxy } from '../../support/redis/holding-proxy';
import { eventually, uniquePrefix } from '../../support/redis/redis-node-harness';
import { firstOf, SignalingNodes, type SignalingNode } from '../../support/redis/signaling-nodes';
import type { SignalingClient } from '../../support/signaling-client';

jest.setTimeout(60_000);

const CAPACITY = 3;
// A heartbeat long enough that the returned host's next renewal comes well after the checks below.
const HEARTBEAT_MS = 1_000;
const EXPIRY_MS = 3_000;

/**
 * A host paused past its expiry comes back and renews its rooms' leases (nobody took them meanwhile),
 * while another node that found it dead just before is still on its way to take a room from it: its
 * request reaches Redis after the renewal. Redis must not then take the renewed lease from the host that
 * holds it, or the room goes to a second node while the host serves on under the lease it was just
 * granted: two nodes serve the room, and together more members than its capacity.
 *
 * The other node's Redis traffic goes through a relay that holds that request back until the host
 * renewed, so the order is certain; in production it is a reaper's slices (half a heartbeat), a lookup's
 * round trips, or any network delay.
 */
/** Waits until the relay holds back the request it was armed for, or fails with `what` after `ms`. */
const heldBack = async (proxy: HoldingProxy, ms: number, what: string): Promise<void> => {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([proxy.triggered, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms)))]).finally(() => clearTimeout(timer));
};

/** Nobody took the room: the host's first heartbeat back renews its lease under the same epoch. */
const renewedByHost = async (inspector: Redis, keys: { host: string; fence: string }, epochBefore: string | null): Promise<void> => {
  await eventually(async () => (await inspector.pttl(keys.host)) > EXPIRY_MS - 500, 3_000, 10);
  expect(await inspector.get(keys.host)).toBe('node-a');
  expect(await inspector.hget(keys.fence, 'epoch')).toBe(epochBefore);
};

describe('a node that found a host dead, acting after the host came back and renewed', () => {
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

  const servingOf = async (roomId: string, nodes: { node: SignalingNode; id: string }[]): Promise<{ nodeId: string; members: readonly string[] }[]> => {
    const answers = await Promise.all(nodes.map(async ({ node, id }) => ((await servedRooms(node, 1_000)) ?? []).map((r) => ({ ...r, nodeId: id }))));
    return answers.flat().filter((r) => r.roomId === roomId && r.serving);
  };

  it('a reap landing after the renewal leaves the lease with the host: only one node serves the room, within its capacity', async () => {
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
    await heldBack(proxy, EXPIRY_MS * 3, 'the reaper never reaped the paused host');
    host.process.child.kill('SIGCONT');
    await renewedByHost(inspector, keys, epochBefore);

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

  it('a join that found the host dead does not take the lease the host renewed meanwhile', async () => {
    const prefix = uniquePrefix();
    const nodeKeys = new RedisKeys(prefix);
    const { group: hostGroup, node: host } = await startNode('node-a', redis.url, prefix);
    const { group: otherGroup, node: other } = await startNode('node-d', proxy.url, prefix);
    await sleep(HEARTBEAT_MS * 2);
    // Enough rooms that the host renews them in slices over half a heartbeat: the last slice's leases
    // outlive its heartbeat key, so a node can find the host dead while those leases still name it.
    const rooms = Array.from({ length: 60 }, (_, i) => `room-${i}`);
    const members = new Map<string, SignalingClient>();
    for (const roomId of rooms) {
      const client = await hostGroup.connect(host.wsUrl);
      await client.join({ userId: `m-${roomId}`, roomId });
      members.set(roomId, client);
    }
    await sleep(HEARTBEAT_MS * 2);

    host.process.child.kill('SIGSTOP');
    await sleep(500);
    // A network blip on the other node: it reaps nobody for one expiry (it cannot tell a dead node from
    // its own trouble), so no reaper revokes the paused host's leases first.
    proxy.cut();
    await eventually(async () => (await inspector.exists(nodeKeys.nodes.alive('node-a'))) === 0, EXPIRY_MS * 2, 5);
    const ttls = await Promise.all(rooms.map(async (roomId) => ({ roomId, left: await inspector.pttl(nodeKeys.room(roomId).host) })));
    const { roomId: target, left } = ttls.reduce((a, b) => (b.left > a.left ? b : a));
    expect(left).toBeGreaterThan(50);
    const keys = nodeKeys.room(target);
    const epochBefore = await inspector.hget(keys.fence, 'epoch');

    // A client joins the room at the other node: it reads the host, finds it dead, and its claim on the
    // room is held back on the way.
    proxy.arm((text) => text.includes(CLAIM_ROOM_SCRIPT.sha) && text.includes(`{room:${target}}`));
    const zed = await otherGroup.connect(other.wsUrl);
    zed.send({ id: 'joinRoom', userId: 'zed', roomId: target, communityId: '1', audio: true, video: true });
    await heldBack(proxy, 3_000, 'the join never claimed the room');
    host.process.child.kill('SIGCONT');
    await renewedByHost(inspector, keys, epochBefore);

    proxy.release();
    const reply = await firstOf(zed, ['existingParticipants', 'error'], 5_000);
    const joined = [zed];
    if (reply.id === 'existingParticipants') {
      for (const userId of ['yves', 'xena']) {
        const client = await otherGroup.connect(other.wsUrl);
        client.send({ id: 'joinRoom', userId, roomId: target, communityId: '1', audio: true, video: true });
        joined.push(client);
      }
      await Promise.all(joined.slice(1).map((c) => firstOf(c, ['existingParticipants', 'error'], 5_000)));
    }
    const serving = await servingOf(target, [
      { node: host, id: 'node-a' },
      { node: other, id: 'node-d' },
    ]);
    expect(serving.map((r) => r.nodeId)).toEqual(['node-a']);
    expect(serving.reduce((n, r) => n + r.members.length, 0)).toBeLessThanOrEqual(CAPACITY);
    // The joiner is sent to the host, which still holds the room.
    expect(reply).toMatchObject({ id: 'error', code: 'wrongNode', details: { nodeId: 'node-a' } });
    expect(await inspector.get(keys.host)).toBe('node-a');
    const member = members.get(target)!;
    member.send({ id: 'ping', requestId: 'still-here' });
    await member.next('ack', (m) => m.requestId === 'still-here', 3_000);
  });
});
