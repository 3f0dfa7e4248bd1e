import type { MemberRecord } from '../../../src/application';
import { isSignalingError } from '../../../src/domain';
import { membersOf } from '../../support/redis/redis-inspector';
import { redisNodeScope } from '../../support/redis/redis-node-scope';
import { eventually, startTestNode, type TestNode } from '../../support/redis/redis-node-harness';

jest.setTimeout(60_000);

const member = (userId: string): MemberRecord => ({ userId, connectionId: `conn-${userId}`, audio: true, video: true, joinedAt: Date.now() });

describe('room placement on a real redis-server', () => {
  const scope = redisNodeScope();

  /**
   * A lookup's claim (and its booking as load) lives one heartbeat. Tests below ask, then act on the answer:
   * 400 ms leaves room for a loaded CI machine between the two (100 ms did not, in the same test on a Redis
   * Cluster).
   */
  const TIMING = { heartbeatMs: 400, expiryMs: 2_400 };

  /**
   * For tests that set loads with explicit beats and then read placement: no timed heartbeat may land in
   * between (400 ms did, on a loaded CI machine, while a test was still writing its rooms), and the
   * lookups' bookings, which live one heartbeat, must outlast the test.
   */
  const QUIET = { heartbeatMs: 30_000, expiryMs: 90_000 };

  /** Three nodes that know each other (each heartbeat lists the registered nodes). */
  const startThree = async (loads: [number?, number?, number?] = [], timing = TIMING): Promise<TestNode[]> => {
    const started: TestNode[] = [];
    for (const [i, id] of ['node-a', 'node-b', 'node-c'].entries()) {
      const load = loads[i];
      started.push(await startTestNode({ url: scope.redis.url }, { nodeId: id, prefix: scope.prefix, ...timing, ...(load !== undefined ? { load } : {}) }));
    }
    scope.nodes.push(...started);
    await Promise.all(started.map((n) => n.registry.beat()));
    return started;
  };

  /** Fills rooms on each node: `sizes[n]` lists the participants of node n's rooms; then every node beats. */
  const hostRooms = async (nodes: TestNode[], sizes: number[][]): Promise<void> => {
    for (const [n, node] of nodes.entries()) {
      for (const [r, size] of sizes[n]!.entries()) {
        for (let u = 0; u < size; u += 1) await node.store.recordJoin({ roomId: `held-${n}-${r}`, communityId: '1' }, member(`u${n}-${r}-${u}`));
      }
    }
    await Promise.all(nodes.map((n) => n.registry.beat()));
  };
  const rooms = (count: number, size: number): number[] => Array<number>(count).fill(size);

  it('gives every asker of a new room the same node, however many ask at once', async () => {
    // QUIET: a lookup's claim lives one heartbeat, and with 400 ms a loaded CI run read the host key after
    // it had expired (null), though all six askers had agreed.
    const [a, b, c] = await startThree([], QUIET);
    for (let r = 0; r < 20; r += 1) {
      const roomId = `race-${r}`;
      const answers = await Promise.all([a!, b!, c!, a!, b!, c!].map((n) => n.placement.locate(roomId)));
      expect(new Set(answers.map((x) => x.nodeId)).size).toBe(1);
      expect(await scope.inspector.client.get(`${scope.prefix}{room:${roomId}}:host`)).toBe(answers[0]!.nodeId);
    }
  });

  it('lookups of rooms nobody joins leave nothing behind once a heartbeat passed, and count as load only that long', async () => {
    const [a, , c] = await startThree([0, 0, 0], { heartbeatMs: 300, expiryMs: 10_000 });
    const asked = Array.from({ length: 2_000 }, (_, i) => `nobody-${i}`);
    for (let i = 0; i < asked.length; i += 100) await Promise.all(asked.slice(i, i + 100).map((roomId) => a!.placement.locate(roomId)));
    const bookedAt = Date.now();
    const roomKeys = async (): Promise<string[]> => (await scope.inspector.client.keys(`${scope.prefix}{room:*`)).sort();
    expect((await roomKeys()).length).toBeGreaterThan(0);
    // Nor does the node that answered keep anything of them in memory.
    expect(a!.leases.heldRoomIds()).toEqual([]);

    const bookings = async (): Promise<number> => {
      const counts = await Promise.all(['node-a', 'node-b', 'node-c'].map((n) => scope.inspector.client.zcard(`${scope.prefix}{nodes}:claims:${n}`)));
      return counts.reduce((sum, n) => sum + n, 0);
    };
    // After the lookup's claim time (a heartbeat) nothing of them is left: no lease, no fence, and the next
    // heartbeat drops the expired bookings.
    await eventually(async () => (await roomKeys()).length === 0 && (await bookings()) === 0, 3_000, 20);
    expect(Date.now() - bookedAt).toBeLessThan(2 * 300 + 1_000);
    // So the next new room is placed by real load again, not by the bookings of rooms nobody joined.
    await c!.store.recordJoin({ roomId: 'real', communityId: '1' }, member('ann'));
    await c!.registry.beat();
    expect((await a!.placement.locate('after')).nodeId).toBe('node-a');
  });

  it('places a new room on the least-loaded live node', async () => {
    const [a, b, c] = await startThree([5, 1, 3]);
    expect(await a!.placement.locate('first')).toEqual({ nodeId: 'node-b', nodeUrl: b!.url });
    // node-b now counts 1 + 1 booked room; still below node-c's 3.
    expect((await c!.placement.locate('second')).nodeId).toBe('node-b');
    expect((await c!.placement.locate('third')).nodeId).toBe('node-b');
    // b = 1 + 3 bookings = 4 > c = 3.
    expect((await a!.placement.locate('fourth')).nodeId).toBe('node-c');
  });

  it('spreads a burst of new rooms evenly before any client arrives', async () => {
    const [a, b, c] = await startThree([0, 0, 0]);
    const askers = [a!, b!, c!];
    const answers = await Promise.all(Array.from({ length: 9 }, (_, r) => askers[r % 3]!.placement.locate(`burst-${r}`)));
    const perNode = new Map<string, number>();
    for (const answer of answers) perNode.set(answer.nodeId, (perNode.get(answer.nodeId) ?? 0) + 1);
    expect(Object.fromEntries(perNode)).toEqual({ 'node-a': 3, 'node-b': 3, 'node-c': 3 });
  });

  it('counts participants as load: a node with members gets new rooms after the idle ones', async () => {
    const [a, b] = await startThree();
    for (let u = 0; u < 5; u += 1) await a!.store.recordJoin({ roomId: 'busy', communityId: '1' }, member(`u${u}`));
    await a!.registry.beat();
    expect(await scope.inspector.client.hget(`${scope.prefix}{nodes}:loads`, 'node-a')).toBe('5');
    const answers: string[] = [];
    for (const roomId of ['n1', 'n2', 'n3']) answers.push((await b!.placement.locate(roomId)).nodeId);
    // The idle nodes first; each booking then weighs a room's average (5 here), so after one room each
    // the three tie and the smallest id wins.
    expect(answers).toEqual(['node-b', 'node-c', 'node-a']);
  });

  it("weighs a booked room as the rooms' average participants: a node a little lighter does not take a whole burst", async () => {
    const nodes = await startThree([], QUIET);
    // 30 rooms of 10 across the three, but node-a has 5 participants fewer: 95, 100, 100.
    await hostRooms(nodes, [[5, ...rooms(9, 10)], rooms(10, 10), rooms(10, 10)]);
    expect(await scope.inspector.client.hmget(`${scope.prefix}{nodes}:loads`, 'node-a', 'node-b', 'node-c')).toEqual(['95', '100', '100']);
    const perNode = new Map<string, number>();
    for (let r = 0; r < 6; r += 1) {
      const { nodeId } = await nodes[r % 3]!.placement.locate(`burst-${r}`);
      perNode.set(nodeId, (perNode.get(nodeId) ?? 0) + 1);
    }
    // A booking worth one participant sent all six to node-a (95 + 5 bookings was still the least).
    expect(Object.fromEntries(perNode)).toEqual({ 'node-a': 2, 'node-b': 2, 'node-c': 2 });
  });

  it("averages rooms from the heartbeats' snapshot: rooms opened since then do not thin the average", async () => {
    const nodes = await startThree([], QUIET);
    // node-a: 10 rooms of 10 (100); node-b: 8 of 11 and 2 of 10 (108); node-c: 20 of 10 (200). Average 10.2.
    await hostRooms(nodes, [rooms(10, 10), [...rooms(8, 11), 10, 10], rooms(20, 10)]);
    // Then 20 rooms open on node-a with their first member, before its next heartbeat.
    for (let r = 0; r < 20; r += 1) await nodes[0]!.store.recordJoin({ roomId: `fresh-${r}`, communityId: '1' }, member(`f${r}`));
    const answers: string[] = [];
    for (let r = 0; r < 2; r += 1) answers.push((await nodes[1]!.placement.locate(`next-${r}`)).nodeId);
    // node-a 100 + 10.2 after one booking, above node-b's 108. Counting the room index as it is now (60
    // rooms) against loads from the heartbeat, a booking weighed 6.8 and node-a took both.
    expect(answers).toEqual(['node-a', 'node-b']);
  });

  it("leaves a draining node's load out of a room's average: the lighter node still takes the rooms that even it out", async () => {
    const nodes = await startThree([], QUIET);
    // node-a: 10 rooms of 7 (70), node-b and node-c: 10 rooms of 10 (100 each); node-c then drains.
    await hostRooms(nodes, [rooms(10, 7), rooms(10, 10), rooms(10, 10)]);
    await nodes[2]!.registry.beginDrain();
    const answers: string[] = [];
    for (let r = 0; r < 4; r += 1) answers.push((await nodes[r % 2]!.placement.locate(`after-drain-${r}`)).nodeId);
    // Average 8.5 per room (170 in 20): node-a reads 70, 78.5, 87, 95.5 against node-b's 100. With the
    // draining mark in the average, a booking weighed millions and the two simply alternated.
    expect(answers).toEqual(['node-a', 'node-a', 'node-a', 'node-a']);
  });

  it('leaves a node that reports no room count (an older version, mid-upgrade) out of the average', async () => {
    const nodes = await startThree([], QUIET);
    // node-a: 10 rooms of 7 (70), node-b and node-c: 10 rooms of 10 (100 each); node-c reports its load but,
    // as a node from before the room counts, not its rooms.
    await hostRooms(nodes, [rooms(10, 7), rooms(10, 10), rooms(10, 10)]);
    await scope.inspector.client.hdel(`${scope.prefix}{nodes}:roomcounts`, 'node-c');
    const answers: string[] = [];
    for (let r = 0; r < 4; r += 1) answers.push((await nodes[r % 2]!.placement.locate(`mid-upgrade-${r}`)).nodeId);
    // Average 8.5 (170 in 20), as in the draining case. With node-c's participants and none of its rooms
    // the average read 13.5 (270 in 20), and the fourth room went to node-b (70 + 3 × 13.5 > 100).
    expect(answers).toEqual(['node-a', 'node-a', 'node-a', 'node-a']);
  });

  it('a join for a room nobody holds takes it for the node it arrived at, even when another is less loaded', async () => {
    const [a, b, c] = await startThree([5, 1, 3]);
    // The client was sent to node-a by a lookup whose claim has since expired, or never asked at all.
    expect(await a!.placement.claim('direct')).toEqual({ hostedHere: true });
    expect(await scope.inspector.client.get(`${scope.prefix}{room:direct}:host`)).toBe('node-a');
    // Everyone else is sent to node-a from then on.
    expect(await b!.placement.claim('direct')).toEqual({ hostedHere: false, nodeId: 'node-a', nodeUrl: a!.url });
    expect(await c!.placement.locate('direct')).toEqual({ nodeId: 'node-a', nodeUrl: a!.url });
  });

  it("a join whose claim lapsed while a lookup placed the room on the same node again joins there, not redirected to itself", async () => {
    const [a, b] = await startThree([5, 0, 9], QUIET);
    expect(await b!.placement.claim('lapsed')).toEqual({ hostedHere: true });
    const firstEpoch = await scope.inspector.client.hget(`${scope.prefix}{room:lapsed}:fence`, 'epoch');
    // The claim's lease runs out before the join is written (a slow media set-up, a loaded machine)...
    await scope.inspector.client.del(`${scope.prefix}{room:lapsed}:host`);
    // ...and another client's lookup places the room on node-b again, under a new epoch.
    expect((await a!.placement.locate('lapsed')).nodeId).toBe('node-b');
    expect(await scope.inspector.client.hget(`${scope.prefix}{room:lapsed}:fence`, 'epoch')).not.toBe(firstEpoch);
    // Before, this was fenced and answered wrongNode naming node-b itself.
    await b!.store.recordJoin({ roomId: 'lapsed', communityId: '1' }, member('alice'));
    expect((await a!.store.getRoom('lapsed'))?.members.map((m) => m.userId)).toEqual(['alice']);
    expect(await scope.inspector.client.get(`${scope.prefix}{room:lapsed}:host`)).toBe('node-b');
    // And the lease it joined under is the one its later writes use.
    await b!.store.recordJoin({ roomId: 'lapsed', communityId: '1' }, member('bob'));
    expect((await a!.store.getRoom('lapsed'))?.members.map((m) => m.userId)).toEqual(['alice', 'bob']);
  });

  it('a room this node served and lost is not written again when a lookup places it here anew: roomMoved, nothing written', async () => {
    const [a, b] = await startThree([5, 0, 9], QUIET);
    expect(await b!.placement.claim('served')).toEqual({ hostedHere: true });
    await b!.store.recordJoin({ roomId: 'served', communityId: '1' }, member('alice'));
    // node-b stalled; another node reaped the room (record and lease gone), and a lookup then placed it
    // on node-b again, under a new epoch. node-b's members of that room were reported gone meanwhile.
    const room = (key: string) => `${scope.prefix}{room:served}:${key}`;
    await scope.inspector.client.del(room('meta'), room('members'), room('host'));
    expect((await a!.placement.locate('served')).nodeId).toBe('node-b');
    // The next write from its stale copy of the room must not take the new lease (as a first join may).
    await expect(b!.store.recordJoin({ roomId: 'served', communityId: '1' }, member('bob'))).rejects.toMatchObject({ code: 'roomMoved' });
    expect(await a!.store.getRoom('served')).toBeUndefined();
  });

  it('two nodes taking the same free room at once agree on one of them', async () => {
    const [a, b] = await startThree();
    for (let r = 0; r < 10; r += 1) {
      const roomId = `both-${r}`;
      const [fromA, fromB] = await Promise.all([a!.placement.claim(roomId), b!.placement.claim(roomId)]);
      expect([fromA.hostedHere, fromB.hostedHere].filter(Boolean)).toHaveLength(1);
      const host = await scope.inspector.client.get(`${scope.prefix}{room:${roomId}}:host`);
      const loser = fromA.hostedHere ? fromB : fromA;
      expect(loser).toMatchObject({ hostedHere: false, nodeId: host });
    }
  });

  it('a draining node gets no new rooms, and keeps the ones it hosts until they are released', async () => {
    const [a, b, c] = await startThree([0, 5, 7]);
    expect(await a!.placement.claim('kept')).toEqual({ hostedHere: true });
    await a!.registry.beginDrain();
    expect((await b!.placement.locate('new-1')).nodeId).toBe('node-b');
    expect((await c!.placement.locate('new-2')).nodeId).toBe('node-b');
    expect(await c!.placement.locate('kept')).toEqual({ nodeId: 'node-a', nodeUrl: a!.url });
  });

  it('answers the hosting node for a room that has one, and turns joins on other nodes away', async () => {
    const [a, b] = await startThree([0, 9, 9]);
    // The lookup places the new room on the least-loaded node; a join at another node is turned away.
    expect(await b!.placement.locate('hosted')).toEqual({ nodeId: 'node-a', nodeUrl: a!.url });
    expect(await b!.placement.claim('hosted')).toEqual({ hostedHere: false, nodeId: 'node-a', nodeUrl: a!.url });
    expect(await a!.placement.claim('hosted')).toEqual({ hostedHere: true });
    await a!.store.recordJoin({ roomId: 'hosted', communityId: '1' }, member('alice'));
    expect(await b!.placement.locate('hosted')).toEqual({ nodeId: 'node-a', nodeUrl: a!.url });

    // A node that records a join into a room another node holds is refused, with that node's URL.
    const refused = await b!.store.recordJoin({ roomId: 'hosted', communityId: '1' }, member('mallory')).catch((e: unknown) => e);
    expect(isSignalingError(refused) && refused.code).toBe('wrongNode');
    expect(isSignalingError(refused) && refused.details).toEqual({ nodeId: 'node-a', nodeUrl: a!.url });
    expect(membersOf(await scope.inspector.room('hosted'))).toEqual({ alice: 'conn-alice' });
    expect(b!.store.hostedRoomIds()).toEqual([]);
  });

  it("re-places a dead node's room on a live node once its heartbeat expired", async () => {
    const [a, b, c] = await startThree([9, 9, 0]);
    expect((await a!.placement.locate('orphan')).nodeId).toBe('node-c');
    await c!.store.recordJoin({ roomId: 'orphan', communityId: '1' }, member('alice'));
    await c!.close({ deregister: false });
    const took = await eventually(async () => (await a!.placement.locate('orphan')).nodeId !== 'node-c', 8_000, 20);
    expect(took).toBeLessThan(TIMING.expiryMs + TIMING.heartbeatMs + 1_000);
    const moved = await b!.placement.locate('orphan');
    expect(['node-a', 'node-b']).toContain(moved.nodeId);
    expect((await a!.placement.locate('orphan')).nodeId).toBe(moved.nodeId);
  });

  it('a room is released only by the node that holds it', async () => {
    const [a, b] = await startThree([0, 5, 5]);
    expect((await b!.placement.locate('short')).nodeId).toBe('node-a');
    await b!.placement.release('short');
    expect(await scope.inspector.client.get(`${scope.prefix}{room:short}:host`)).toBe('node-a');
    // node-a learns the lease is its own when the join arrives there (the claim at join time), as in a
    // join whose media session then fails to open.
    expect(await a!.placement.claim('short')).toEqual({ hostedHere: true });
    await a!.placement.release('short');
    expect(await scope.inspector.client.get(`${scope.prefix}{room:short}:host`)).toBeNull();
  });
});
