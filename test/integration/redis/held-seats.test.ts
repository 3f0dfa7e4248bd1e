import { RedisConnection, RedisKeys } from '../../../src/adapters/redis';
import type { DepartedRoom } from '../../../src/application';
import { RecordingLogger } from '../../support/fakes/recording-logger';
import { keysWithoutTtl } from '../../support/multi-node/fault-lab';
import { deadHostRooms, GRACE_MS, plain, SLOW, storeWithLeases, TIMING } from '../../support/redis/dead-host-rooms';
import { redisNodeScope } from '../../support/redis/redis-node-scope';
import { eventually, standaloneStore, startTestNode, type TestNode } from '../../support/redis/redis-node-harness';

jest.setTimeout(60_000);

/**
 * Seats of resumable members outlive their host: with real Redis and the store, registry and placement of
 * several nodes (in this process). What is reported gone, by whom, and when.
 */
describe('held seats across a lost node, on a real redis-server', () => {
  const scope = redisNodeScope();
  const connections: RedisConnection[] = [];

  const { start, reports, roomOnDyingNode } = deadHostRooms(scope);

  /**
   * A store of a new node, and the room of three a dead node left, once its lease lapsed. No live
   * registry: nothing reaps, so whatever the test does next is the first to find the host gone. The
   * record lives two expiries, so the test has one expiry (1.5 s here, so a loaded run fits) to act.
   */
  const deadHostNotReaped = async (roomId: string) => {
    const connection = new RedisConnection({ url: scope.redis.url, commandTimeoutMs: 1_000, connectTimeoutMs: 1_000 }, new RecordingLogger());
    connections.push(connection);
    await connection.open();
    const store = standaloneStore(connection, 'node-new', { prefix: scope.prefix, roomTtlMs: SLOW.expiryMs });
    await roomOnDyingNode(roomId, SLOW);
    await eventually(async () => (await scope.inspector.room(roomId))?.host === null, 5_000, 5);
    return store;
  };

  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.close()));
  });

  it('the reaper reports only members whose seats are not held; the held seats are reported once, when their grace ran out', async () => {
    const live = await start('node-live');
    const reported = reports(live);
    await roomOnDyingNode('r1');

    await eventually(() => reported.length > 0, 5_000, 20);
    const reapedAt = Date.now();
    expect(reported).toEqual(['r1:carol']);
    expect([...((await scope.inspector.room('r1'))?.members.keys() ?? [])].sort()).toEqual(['alice', 'bob']);
    expect(await scope.inspector.client.zscore(`${scope.prefix}{nodes}:orphans`, 'r1')).not.toBeNull();
    // The dead node itself is forgotten; its room is revisited through the orphans set.
    await eventually(async () => !(await scope.inspector.registeredNodes()).includes('node-dead'), 3_000, 20);

    await eventually(() => reported.length > 1, GRACE_MS + 3_000, 20);
    const heldFor = Date.now() - reapedAt;
    expect(heldFor).toBeGreaterThanOrEqual(GRACE_MS - 200);
    expect(reported).toEqual(['r1:carol', 'r1:alice,bob']);
    expect(await scope.inspector.room('r1')).toBeUndefined();
    await eventually(async () => (await scope.inspector.client.zscore(`${scope.prefix}{nodes}:orphans`, 'r1')) === null, 2_000, 20);
    // Nothing is reported twice, and nothing is left without an expiry.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(reported).toHaveLength(2);
    expect(await keysWithoutTtl([{ host: '127.0.0.1', port: scope.redis.port }], scope.prefix)).toEqual([]);
  });

  /** Two live nodes, and a room `roomId` left by a dead one whose unheld member was already reported. */
  const reapedByTwo = async (roomId: string): Promise<{ live: TestNode; other: TestNode; reported: string[] }> => {
    const live = await start('node-live');
    const other = await start('node-other');
    const reported = reports(live, other);
    await roomOnDyingNode(roomId);
    await eventually(() => reported.length > 0, 5_000, 20);
    return { live, other, reported };
  };

  it('a resume reaching a new host takes the room over with the other held seats, and nobody else reports them', async () => {
    const { live, reported } = await reapedByTwo('r2');

    expect((await live.placement.claim('r2')).hostedHere).toBe(true);
    const receipt = await live.store.recordResume(
      { roomId: 'r2', communityId: '1', mediaRef: 'new-media', resumeGraceMs: GRACE_MS },
      { userId: 'alice', proof: 'proof-alice', connectionId: 'conn-alice-2', nextProof: 'proof-alice-2' },
    );
    expect(receipt).toMatchObject({ outcome: 'resumed', member: { userId: 'alice', connectionId: 'conn-alice-2', seat: { proof: 'proof-alice-2' } } });
    if (receipt.outcome !== 'resumed') throw new Error('refused');
    expect(receipt.held?.map((m) => m.userId)).toEqual(['bob']);
    expect(receipt.held?.[0]?.seat?.heldForMs).toBeGreaterThan(0);
    expect(receipt.held?.[0]?.seat?.heldForMs).toBeLessThanOrEqual(GRACE_MS);
    expect(receipt.replaced?.record.members ?? []).toEqual([]);
    const room = await scope.inspector.room('r2');
    expect(room?.nodeId).toBe('node-live');
    expect(room?.host).toBe('node-live');

    // The new host owns the record: revisits leave it alone, and bob can resume there.
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS + 500));
    expect(reported).toEqual(['r2:carol']);
    const bob = await live.store.recordResume(
      { roomId: 'r2', communityId: '1' },
      { userId: 'bob', proof: 'proof-bob', connectionId: 'conn-bob-2', nextProof: 'proof-bob-2' },
    );
    // Past bob's deadline in Redis: the new host's own grace timer (the core's) removes and reports him.
    expect(bob.outcome).toBe('refused');
  });

  it('a resume whose claim lapsed while a lookup gave the room to the same node again resumes there, not redirected to itself', async () => {
    const { live, other } = await reapedByTwo('r5');
    expect((await live.placement.claim('r5')).hostedHere).toBe(true);
    // The claim's lease runs out before the resume is written, and another client's lookup places the
    // room on node-live again (both nodes idle: the smaller id), under a new epoch.
    await scope.inspector.client.del(`${scope.prefix}{room:r5}:host`);
    expect((await other.placement.locate('r5')).nodeId).toBe('node-live');
    const receipt = await live.store.recordResume(
      { roomId: 'r5', communityId: '1', mediaRef: 'new-media', resumeGraceMs: GRACE_MS },
      { userId: 'alice', proof: 'proof-alice', connectionId: 'conn-alice-2', nextProof: 'proof-alice-2' },
    );
    expect(receipt).toMatchObject({ outcome: 'resumed', member: { userId: 'alice', connectionId: 'conn-alice-2' } });
    expect((await scope.inspector.room('r5'))?.host).toBe('node-live');
  });

  it('a join into the dead host\'s room before any reaper keeps the held seats and reports only the others', async () => {
    const store = await deadHostNotReaped('r3');

    await expect(store.recordJoin({ roomId: 'r3', communityId: '1', capacity: 2 }, plain('dave'))).rejects.toMatchObject({ code: 'roomFull' });
    expect([...((await scope.inspector.room('r3'))?.members.keys() ?? [])].sort()).toEqual(['alice', 'bob', 'carol']);

    const receipt = await store.recordJoin({ roomId: 'r3', communityId: '1', capacity: 3, resumeGraceMs: GRACE_MS }, plain('dave'));
    expect(receipt.replaced?.record.members.map((m) => m.userId)).toEqual(['carol']);
    expect(receipt.held?.map((m) => m.userId).sort()).toEqual(['alice', 'bob']);
    expect(receipt.replaced!.at).toBeLessThan(receipt.at);
    expect([...((await scope.inspector.room('r3'))?.members.keys() ?? [])].sort()).toEqual(['alice', 'bob', 'dave']);
  });

  it("a resume into the dead host's room before any reaper keeps the other held seats for a whole grace", async () => {
    // The resume is the first to find the host gone: the order a CI run of resume-across-nodes was
    // suspected to have hit.
    const store = await deadHostNotReaped('r4');
    expect(await scope.inspector.client.hget(new RedisKeys(scope.prefix).roomKeyList('r4')[0], 'orphaned')).toBeNull();

    const receipt = await store.recordResume(
      { roomId: 'r4', communityId: '1', resumeGraceMs: GRACE_MS },
      { userId: 'alice', proof: 'proof-alice', connectionId: 'conn-alice-2', nextProof: 'proof-alice-2' },
    );
    if (receipt.outcome !== 'resumed') throw new Error('refused');
    expect(receipt.replaced?.record.members.map((m) => m.userId)).toEqual(['carol']);
    expect(receipt.held?.map((m) => m.userId)).toEqual(['bob']);
    // bob's seat is held from now for the record's grace: the new host's timer must not fire at once.
    expect(receipt.held?.[0]?.seat?.heldForMs).toBeGreaterThan(GRACE_MS - 300);
    expect(receipt.held?.[0]?.seat?.heldForMs).toBeLessThanOrEqual(GRACE_MS);
  });

  it("a claim released without a join (a failed first join) leaves the dead host's record for the reaper to report", async () => {
    const connection = new RedisConnection({ url: scope.redis.url, commandTimeoutMs: 1_000, connectTimeoutMs: 1_000 }, new RecordingLogger());
    connections.push(connection);
    await connection.open();
    const { store, claim } = storeWithLeases(connection, scope.prefix, 'node-claimer', TIMING);
    await roomOnDyingNode('r5');
    // Nothing reaps yet. The dead host's lease lapses; this node claims the room for a join that then fails.
    await eventually(async () => (await scope.inspector.room('r5'))?.host === null, 3_000, 5);
    await claim('r5');
    await store.releaseHold('r5');
    expect((await scope.inspector.room('r5'))?.host).toBeNull();
    expect([...((await scope.inspector.room('r5'))?.members.keys() ?? [])].sort()).toEqual(['alice', 'bob', 'carol']);

    // The record is still there for a reaper, which reports its non-resumable member once.
    const reported: string[] = [];
    scope.nodes.push(
      await startTestNode(
        { url: scope.redis.url },
        { nodeId: 'node-reaper', prefix: scope.prefix, ...TIMING, onRoomReaped: ({ record }) => reported.push(`${record.roomId}:${record.members.map((m) => m.userId).join(',')}`) },
      ),
    );
    await eventually(() => reported.length > 0, 5_000, 20);
    expect(reported).toEqual(['r5:carol']);
  });

  it('a node restarted with the same id keeps the held seats of its earlier run and reports the others', async () => {
    const restarted: DepartedRoom[] = [];
    await roomOnDyingNode('r4');
    const again = await startTestNode({ url: scope.redis.url }, { nodeId: 'node-dead', prefix: scope.prefix, ...TIMING, onStaleRecordDropped: (room) => restarted.push(room) });
    scope.nodes.push(again);
    // Its start re-asserts its rooms: the earlier run's record loses carol, keeps the seats, booked for a revisit.
    await eventually(async () => (await scope.inspector.room('r4'))?.members.size === 2, 3_000, 20);
    expect([...((await scope.inspector.room('r4'))?.members.keys() ?? [])].sort()).toEqual(['alice', 'bob']);
    expect(await scope.inspector.client.zscore(`${scope.prefix}{nodes}:orphans`, 'r4')).not.toBeNull();
    // What it removed it reports (as members of a node that died: nodeLost), the held seats once they ran out.
    await eventually(() => restarted.length > 0, 3_000, 20);
    expect(restarted.map((r) => r.record.members.map((m) => m.userId))).toEqual([['carol']]);
    const reported = reports(again);
    await eventually(() => reported.length > 0, GRACE_MS + 3_000, 20);
    expect(reported).toEqual(['r4:alice,bob']);
  });
});
