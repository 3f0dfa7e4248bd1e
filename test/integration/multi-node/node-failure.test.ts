import { startRedis, type RedisFixture } from '../../support/redis-fixture';
import { RedisInspector, type RoomInRedis } from '../../support/redis/redis-inspector';
import { eventually, uniquePrefix } from '../../support/redis/redis-node-harness';
import { SignalingNodes, TEST_EXPIRY_MS, TEST_HEARTBEAT_MS, type Placement, type SignalingNode } from '../../support/redis/signaling-nodes';
import type { SignalingClient } from '../../support/signaling-client';

jest.setTimeout(120_000);

const sortedMembers = (room: RoomInRedis | undefined): string[] => [...(room?.members.keys() ?? [])].sort();

/**
 * Three signaling node processes on one Redis, each test on a fresh Redis and fresh nodes: a node
 * killed outright, a graceful stop, and Redis itself restarting empty under the nodes.
 */
describe('three signaling node processes on one Redis: failures', () => {
  let redis: RedisFixture;
  let inspector: RedisInspector;
  let cluster: SignalingNodes;

  /**
   * Six rooms spread over the three nodes, two members each, joined the way clients do: each looks the
   * room up and joins where it was sent. A lookup's claim lasts one heartbeat, so a room's node is the one
   * its first member joined on, not what an earlier lookup said.
   */
  const populate = async (): Promise<{ placements: Placement[]; clients: Map<string, SignalingClient[]> }> => {
    const via = cluster.nodes;
    const placements: Placement[] = [];
    const clients = new Map<string, SignalingClient[]>();
    for (let r = 0; r < 6; r += 1) {
      const roomId = `room-${r}`;
      const first = await cluster.joinViaPlacement(`${roomId}-u0`, roomId, via[r % 3]!);
      const second = await cluster.joinViaPlacement(`${roomId}-u1`, roomId, via[(r + 1) % 3]!);
      expect(second.placement.nodeId).toBe(first.placement.nodeId);
      placements.push(first.placement);
      clients.set(roomId, [first.client, second.client]);
    }
    return { placements, clients };
  };

  beforeEach(async () => {
    redis = await startRedis();
    const prefix = uniquePrefix();
    inspector = new RedisInspector(redis.url, prefix);
    cluster = new SignalingNodes({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix });
    await cluster.start(3);
    await eventually(async () => (await inspector.liveNodes()).length === 3, 10_000);
    // Each node has seen the others in a heartbeat, so placement considers all three.
    await new Promise((resolve) => setTimeout(resolve, TEST_HEARTBEAT_MS * 2 + 100));
  });
  afterEach(async () => {
    await cluster?.stopAll();
    inspector?.close();
    await redis?.stop();
  });

  it("SIGKILL: a live node reaps the dead node's rooms and members within the expiry, and its rooms are re-placed", async () => {
    const { placements } = await populate();
    expect(new Set(placements.map((p) => p.nodeId)).size).toBe(3);
    const victim: SignalingNode = cluster.byId(placements[0]!.nodeId);
    const victimRooms = placements.filter((p) => p.nodeId === victim.nodeId).map((p) => p.roomId);
    const otherRooms = placements.filter((p) => p.nodeId !== victim.nodeId);
    expect(sortedMembers(await inspector.room(victimRooms[0]!))).toEqual([`${victimRooms[0]}-u0`, `${victimRooms[0]}-u1`]);

    await victim.process.stop('SIGKILL');
    const killedAt = Date.now();
    await eventually(async () => {
      const rooms = await inspector.rooms();
      return victimRooms.every((id) => !rooms.has(id)) && !(await inspector.registeredNodes()).includes(victim.nodeId);
    }, 4 * TEST_EXPIRY_MS, 25);
    const freedAfter = Date.now() - killedAt;
    // Dead after one expiry, reaped at a live node's next heartbeat; the rest is slack for a busy machine.
    expect(freedAfter).toBeLessThan(TEST_EXPIRY_MS + 2 * TEST_HEARTBEAT_MS + 1_000);
    // The reaper was a live node (the room keys' own TTL is the expiry too, so the registry entry tells).
    expect(await inspector.roomIndex(victim.nodeId)).toEqual([]);
    expect(await inspector.liveNodes()).toEqual(cluster.nodes.filter((n) => n !== victim).map((n) => n.nodeId).sort());

    // The other rooms were not touched.
    const rooms = await inspector.rooms();
    for (const p of otherRooms) {
      expect(rooms.get(p.roomId)?.nodeId).toBe(p.nodeId);
      expect(sortedMembers(rooms.get(p.roomId))).toEqual([`${p.roomId}-u0`, `${p.roomId}-u1`]);
    }

    // The dead node's room is placed anew on a live node, and its members get back in there.
    const survivors = cluster.nodes.filter((n) => n !== victim);
    const again = await cluster.locate(victimRooms[0]!, survivors[0]!);
    expect(again.nodeId).not.toBe(victim.nodeId);
    expect((await cluster.locate(victimRooms[0]!, survivors[1]!)).nodeId).toBe(again.nodeId);
    await cluster.joinViaPlacement(`${victimRooms[0]}-u0`, victimRooms[0]!, survivors[1]!);
    const replaced = await inspector.room(victimRooms[0]!);
    expect(replaced?.nodeId).toBe(again.nodeId);
    expect(sortedMembers(replaced)).toEqual([`${victimRooms[0]}-u0`]);
  });

  it('SIGTERM: the node removes its registration and its rooms from Redis before it exits', async () => {
    const { placements } = await populate();
    const leaving = cluster.byId(placements[1]!.nodeId);
    const itsRooms = placements.filter((p) => p.nodeId === leaving.nodeId).map((p) => p.roomId);
    expect(itsRooms.length).toBeGreaterThan(0);

    expect(await leaving.process.stop('SIGTERM')).toBe(0);
    // Checked at once, well before any expiry could have removed anything.
    const rooms = await inspector.rooms();
    for (const id of itsRooms) expect(rooms.has(id)).toBe(false);
    expect(await inspector.registeredNodes()).not.toContain(leaving.nodeId);
    expect(await inspector.liveNodes()).not.toContain(leaving.nodeId);
    expect(await inspector.roomIndex(leaving.nodeId)).toEqual([]);
    const kept = placements.filter((p) => p.nodeId !== leaving.nodeId);
    for (const p of kept) expect(sortedMembers(rooms.get(p.roomId))).toEqual([`${p.roomId}-u0`, `${p.roomId}-u1`]);

    // New rooms go to the nodes still running.
    const fresh = await Promise.all(Array.from({ length: 4 }, (_, r) => cluster.locate(`after-${r}`, cluster.byId(kept[0]!.nodeId))));
    for (const p of fresh) expect(p.nodeId).not.toBe(leaving.nodeId);
  });

  it('Redis restarted empty mid-session: every node re-registers and re-asserts exactly its rooms and members', async () => {
    const { placements, clients } = await populate();
    const before = await inspector.rooms();
    expect(before.size).toBe(6);

    await redis.kill();
    await eventually(async () => {
      const ready = await Promise.all(cluster.nodes.map((n) => fetch(`${n.httpUrl}/readyz`).then((r) => r.status)));
      return ready.every((status) => status === 503);
    }, 10_000, 50);
    // Rooms keep working meanwhile: a member leaves room-0, and the other member is told.
    const [stay, go] = clients.get('room-0')!;
    stay!.drain();
    await go!.close();
    await stay!.next('participantLeft', (m) => m.userId === 'room-0-u1', 5_000);

    await redis.restart();
    await eventually(async () => (await inspector.liveNodes()).length === 3 && (await inspector.rooms()).size === 6, 15_000, 50);
    const after = await inspector.rooms();
    for (const p of placements) {
      const expected = p.roomId === 'room-0' ? ['room-0-u0'] : [`${p.roomId}-u0`, `${p.roomId}-u1`];
      expect(sortedMembers(after.get(p.roomId))).toEqual(expected);
      expect(after.get(p.roomId)?.nodeId).toBe(p.nodeId);
      expect(after.get(p.roomId)?.host).toBe(p.nodeId);
    }
    for (const n of cluster.nodes) {
      await eventually(async () => (await fetch(`${n.httpUrl}/readyz`)).status === 200, 5_000, 50);
    }

    // Placement and joins work again, and still send members of a room to its node.
    const join = await cluster.joinViaPlacement('late', 'room-3', cluster.nodes[0]!);
    expect(join.placement.nodeId).toBe(placements[3]!.nodeId);
    expect(sortedMembers(await inspector.room('room-3'))).toEqual(['late', 'room-3-u0', 'room-3-u1']);
  });
});
