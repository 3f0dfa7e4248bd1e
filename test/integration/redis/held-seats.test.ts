import type { DepartedRoom, MemberRecord } from '../../../src/application';
import { fenceTtl, RedisConnection, RedisKeys, RedisRoomStateStore, registryTtl, RoomLeases } from '../../../src/adapters/redis';
import { CLAIM_ROOM_SCRIPT, READ_HOLDER_SCRIPT } from '../../../src/adapters/redis/room-scripts';
import { RecordingLogger } from '../../support/fakes/recording-logger';
import { redisNodeScope } from '../../support/redis/redis-node-scope';
import { eventually, standaloneStore, startTestNode, type TestNode } from '../../support/redis/redis-node-harness';
import { keysWithoutTtl } from '../../support/multi-node/fault-lab';
import { ReplyLosingConnection } from '../../support/redis/reply-losing-connection';

jest.setTimeout(60_000);

const GRACE_MS = 2_000;
const TIMING = { heartbeatMs: 100, expiryMs: 500 };
/** For a test that must act between a lease's lapse and its record's expiry: a wider window. */
const SLOW = { heartbeatMs: 300, expiryMs: 1_500 };

const seated = (userId: string, proof: string): MemberRecord => ({
  userId,
  connectionId: `conn-${userId}`,
  audio: true,
  video: true,
  joinedAt: Date.now(),
  seat: { proof },
});
const plain = (userId: string): MemberRecord => ({ userId, connectionId: `conn-${userId}`, audio: true, video: true, joinedAt: Date.now() });

/**
 * Seats of resumable members outlive their host: with real Redis and the store, registry and placement of
 * several nodes (in this process). What is reported gone, by whom, and when.
 */
describe('held seats across a lost node, on a real redis-server', () => {
  const scope = redisNodeScope();
  const connections: RedisConnection[] = [];

  const start = async (nodeId: string, timing = TIMING): Promise<TestNode> => {
    const node = await startTestNode({ url: scope.redis.url }, { nodeId, prefix: scope.prefix, ...timing });
    scope.nodes.push(node);
    return node;
  };

  /** "room:user,user" per report of members gone, from these nodes' reapers. */
  const reports = (...live: TestNode[]): string[] => {
    const seen: string[] = [];
    for (const node of live) {
      node.registry.onRoomReaped(({ record }: DepartedRoom) => seen.push(`${record.roomId}:${record.members.map((m) => m.userId).join(',')}`));
    }
    return seen;
  };

  /** The room of three a node that then dies held: alice and bob resumable, carol not. */
  const roomOnDyingNode = async (roomId: string, timing = TIMING): Promise<TestNode> => {
    const dying = await start('node-dead', timing);
    const header = { roomId, communityId: '1', resumeGraceMs: GRACE_MS };
    await dying.store.recordJoin(header, seated('alice', 'proof-alice'));
    await dying.store.recordJoin(header, seated('bob', 'proof-bob'));
    await dying.store.recordJoin(header, plain('carol'));
    await dying.registry.beat();
    await dying.close({ deregister: false });
    return dying;
  };

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
    const keys = new RedisKeys(scope.prefix);
    const leases = new RoomLeases({ leaseMs: TIMING.expiryMs, heartbeatMs: TIMING.heartbeatMs });
    const store = new RedisRoomStateStore({
      connection,
      keys,
      nodeId: 'node-claimer',
      roomTtlMs: TIMING.expiryMs,
      fenceTtlMs: fenceTtl(TIMING.expiryMs),
      indexTtlMs: registryTtl(TIMING.expiryMs),
      leases,
      logger: new RecordingLogger(),
    });
    await roomOnDyingNode('r5');
    // Nothing reaps yet. The dead host's lease lapses; this node claims the room for a join that then fails.
    await eventually(async () => (await scope.inspector.room('r5'))?.host === null, 3_000, 5);
    const [holder, epoch] = (await connection.call('claim', (client) =>
      CLAIM_ROOM_SCRIPT.run(client, keys.roomKeyList('r5'), ['', 'node-claimer', TIMING.expiryMs, TIMING.expiryMs]),
    )) as string[];
    expect(holder).toBe('node-claimer');
    leases.grant('r5', epoch!, leases.clock());
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

  /**
   * A first write that took the dead host's record over, applied by Redis but answered too late (the
   * node's deadline passed): the node does not know it holds the record, and the core closes the room.
   */
  const lostFirstWrite = async (roomId: string) => {
    const connection = new ReplyLosingConnection({ url: scope.redis.url, commandTimeoutMs: 1_000, connectTimeoutMs: 1_000 }, new RecordingLogger());
    connections.push(connection);
    await connection.open();
    const keys = new RedisKeys(scope.prefix);
    const leases = new RoomLeases({ leaseMs: SLOW.expiryMs, heartbeatMs: SLOW.heartbeatMs });
    const store = new RedisRoomStateStore({
      connection,
      keys,
      nodeId: 'node-new',
      roomTtlMs: SLOW.expiryMs,
      fenceTtlMs: fenceTtl(SLOW.expiryMs),
      indexTtlMs: registryTtl(SLOW.expiryMs),
      leases,
      logger: new RecordingLogger(),
    });
    await roomOnDyingNode(roomId, SLOW);
    await eventually(async () => (await scope.inspector.room(roomId))?.host === null, 5_000, 5);
    // The claim a join or resume makes first (RedisRoomPlacement.claim): the write is fenced by its lease.
    const [holder, epoch] = (await connection.call('claim', (client) =>
      CLAIM_ROOM_SCRIPT.run(client, keys.roomKeyList(roomId), ['', 'node-new', SLOW.expiryMs, SLOW.expiryMs]),
    )) as string[];
    expect(holder).toBe('node-new');
    leases.grant(roomId, epoch!, leases.clock());
    const dropped: string[] = [];
    store.onStaleRecordDropped(({ record }) => dropped.push(`${record.roomId}:${record.members.map((m) => m.userId).join(',')}`));
    return { connection, store, dropped, keys };
  };
  const metaKey = (roomId: string): string => new RedisKeys(scope.prefix).roomKeyList(roomId)[0]!;
  /** A node's liveness as its heartbeat leaves it, for a node the test plays by hand. */
  const markAlive = async (nodeId: string): Promise<void> => {
    const keys = new RedisKeys(scope.prefix);
    await scope.inspector.client.set(keys.nodes.alive(nodeId), '1', 'PX', 60_000);
    await scope.inspector.client.hset(keys.nodes.urls, nodeId, `ws://${nodeId}.invalid`);
  };
  /** Makes every call of `connection` fail until the returned function is called (Redis not answering). */
  const outage = (connection: RedisConnection): (() => void) => {
    const spy = jest.spyOn(connection, 'call').mockRejectedValue(new Error('Redis is not answering'));
    return () => spy.mockRestore();
  };
  const memberIds = async (roomId: string): Promise<string[]> => [...((await scope.inspector.room(roomId))?.members.keys() ?? [])].sort();

  it("a first join that took the dead host's record over without an answer closes keeping the held seats, and does not report the joiner", async () => {
    const { connection, store, dropped } = await lostFirstWrite('r6');
    connection.loseNextReply('recordJoin');
    await expect(store.recordJoin({ roomId: 'r6', communityId: '1', resumeGraceMs: GRACE_MS }, plain('dave'))).rejects.toMatchObject({
      code: 'stateStoreUnavailable',
    });
    expect(connection.armed).toBe(0);
    // Redis applied it: node-new holds the record, carol went with the takeover, alice's and bob's seats are held.
    expect(await memberIds('r6')).toEqual(['alice', 'bob', 'dave']);
    expect((await scope.inspector.room('r6'))?.nodeId).toBe('node-new');

    // What the core does after a failed first join: closes the room (JoinRoom.abandonIfEmpty), releasing placement.
    await Promise.all([store.recordRoomClosed('r6'), store.releaseHold('r6')]);
    expect(await memberIds('r6')).toEqual(['alice', 'bob']);
    expect((await scope.inspector.room('r6'))?.host).toBeNull();
    expect(await scope.inspector.client.hget(metaKey('r6'), 'orphaned')).toBe('1');
    expect(await scope.inspector.client.zscore(`${scope.prefix}{nodes}:orphans`, 'r6')).not.toBeNull();
    // dave was refused to its client and reported to nobody: nobody reports it gone.
    expect(dropped).toEqual([]);

    // The seats still work, on whichever node placement picks: the given-up record names no holder, even
    // while the node that gave it up is alive. alice resumes on another node, which takes bob's seat over.
    await markAlive('node-new');
    const live = await start('node-live');
    expect((await live.placement.claim('r6')).hostedHere).toBe(true);
    const receipt = await live.store.recordResume(
      { roomId: 'r6', communityId: '1', resumeGraceMs: GRACE_MS },
      { userId: 'alice', proof: 'proof-alice', connectionId: 'conn-alice-2', nextProof: 'proof-alice-2' },
    );
    if (receipt.outcome !== 'resumed') throw new Error('refused');
    expect(receipt.held?.map((m) => m.userId)).toEqual(['bob']);
    expect(receipt.replaced?.record.members ?? []).toEqual([]);
  });

  it("a first resume that took the dead host's record over without an answer closes keeping the other seats, and reports the resumer gone", async () => {
    const { connection, store, dropped } = await lostFirstWrite('r7');
    connection.loseNextReply('recordResume');
    await expect(
      store.recordResume(
        { roomId: 'r7', communityId: '1', resumeGraceMs: GRACE_MS },
        { userId: 'alice', proof: 'proof-alice', connectionId: 'conn-alice-2', nextProof: 'proof-alice-2' },
      ),
    ).rejects.toMatchObject({ code: 'stateStoreUnavailable' });
    expect((await scope.inspector.room('r7'))?.nodeId).toBe('node-new');

    await store.recordRoomClosed('r7');
    // alice's seat now carries a proof her client never got: it goes at once, reported, rather than hold a
    // place nobody can take for a whole grace. bob's is untouched.
    expect(await memberIds('r7')).toEqual(['bob']);
    expect(await scope.inspector.client.hget(metaKey('r7'), 'orphaned')).toBe('1');
    expect(dropped).toEqual(['r7:alice']);
    const live = await start('node-live');
    expect((await live.placement.claim('r7')).hostedHere).toBe(true);
    const bob = await live.store.recordResume(
      { roomId: 'r7', communityId: '1', resumeGraceMs: GRACE_MS },
      { userId: 'bob', proof: 'proof-bob', connectionId: 'conn-bob-2', nextProof: 'proof-bob-2' },
    );
    expect(bob.outcome).toBe('resumed');
  });

  it('a close that failed after a lost first write is finished before the next join, which takes the held seats over', async () => {
    const { connection, store, dropped } = await lostFirstWrite('r8');
    connection.loseNextReply('recordJoin');
    await expect(store.recordJoin({ roomId: 'r8', communityId: '1', resumeGraceMs: GRACE_MS }, plain('dave'))).rejects.toMatchObject({
      code: 'stateStoreUnavailable',
    });
    // The close fails too (Redis still not answering): nothing reaped, the room stays unsettled.
    const unavailable = jest.spyOn(connection, 'call').mockRejectedValueOnce(new Error('Redis is not answering'));
    await expect(store.recordRoomClosed('r8')).rejects.toThrow('not answering');
    unavailable.mockRestore();
    expect(await memberIds('r8')).toEqual(['alice', 'bob', 'dave']);

    // The next join (same lease: the claim still names this node) gives the record up first, then takes it over.
    const receipt = await store.recordJoin({ roomId: 'r8', communityId: '1', resumeGraceMs: GRACE_MS }, plain('erin'));
    expect(receipt.held?.map((m) => m.userId).sort()).toEqual(['alice', 'bob']);
    expect(receipt.replaced?.record.members ?? []).toEqual([]);
    expect(await memberIds('r8')).toEqual(['alice', 'bob', 'erin']);
    expect((await scope.inspector.room('r8'))?.host).toBe('node-new');
    expect(await scope.inspector.client.hget(metaKey('r8'), 'orphaned')).toBeNull();
    expect(dropped).toEqual([]);
  });

  it('a close that failed after a lost first resume is finished before the next resume, which takes the held seats over', async () => {
    const { connection, store, dropped } = await lostFirstWrite('r9');
    connection.loseNextReply('recordResume');
    const alice = { userId: 'alice', proof: 'proof-alice', connectionId: 'conn-alice-2', nextProof: 'proof-alice-2' };
    await expect(store.recordResume({ roomId: 'r9', communityId: '1', resumeGraceMs: GRACE_MS }, alice)).rejects.toMatchObject({
      code: 'stateStoreUnavailable',
    });
    const unavailable = jest.spyOn(connection, 'call').mockRejectedValueOnce(new Error('Redis is not answering'));
    await expect(store.recordRoomClosed('r9')).rejects.toThrow('not answering');
    unavailable.mockRestore();

    // bob resumes here next: the record is given up first (its lease released), then taken over under a new one.
    const bob = await store.recordResume(
      { roomId: 'r9', communityId: '1', resumeGraceMs: GRACE_MS },
      { userId: 'bob', proof: 'proof-bob', connectionId: 'conn-bob-2', nextProof: 'proof-bob-2' },
    );
    if (bob.outcome !== 'resumed') throw new Error('refused');
    expect(bob.held ?? []).toEqual([]);
    expect(dropped).toEqual(['r9:alice']);
    const room = await scope.inspector.room('r9');
    expect(room?.host).toBe('node-new');
    expect(await scope.inspector.client.hget(metaKey('r9'), 'epoch')).toMatch(/^\d+$/);
    expect(await scope.inspector.client.hget(metaKey('r9'), 'orphaned')).toBeNull();
  });

  it('a first join sent again under a newer lease of this node, and answered too late, is given up under that lease', async () => {
    const { connection, store, dropped, keys } = await lostFirstWrite('r10');
    // The claim's lease lapses before the join is written, and the room is placed on this node again under
    // a new epoch: the join is fenced, adopts the new epoch and is sent again; that write's reply is lost.
    await scope.inspector.client.del(`${scope.prefix}{room:r10}:host`);
    const [, newer] = (await connection.call('claim', (client) =>
      CLAIM_ROOM_SCRIPT.run(client, keys.roomKeyList('r10'), ['', 'node-new', SLOW.expiryMs, SLOW.expiryMs]),
    )) as string[];
    connection.loseNextReply('recordJoin', 1);
    await expect(store.recordJoin({ roomId: 'r10', communityId: '1', resumeGraceMs: GRACE_MS }, plain('dave'))).rejects.toMatchObject({
      code: 'stateStoreUnavailable',
    });
    expect(connection.armed).toBe(0);
    expect(await scope.inspector.client.hget(metaKey('r10'), 'epoch')).toBe(newer);
    expect(await memberIds('r10')).toEqual(['alice', 'bob', 'dave']);

    await store.recordRoomClosed('r10');
    expect(await memberIds('r10')).toEqual(['alice', 'bob']);
    expect(await scope.inspector.client.hget(metaKey('r10'), 'orphaned')).toBe('1');
    expect((await scope.inspector.room('r10'))?.host).toBeNull();
    expect(dropped).toEqual([]);
  });

  it('a second lost first write, sent without a lease after the first was given up, is given up too: the seats survive both', async () => {
    const { connection, store, dropped } = await lostFirstWrite('r11');
    const header = { roomId: 'r11', communityId: '1', resumeGraceMs: GRACE_MS };
    connection.loseNextReply('recordJoin');
    await expect(store.recordJoin(header, plain('dave'))).rejects.toMatchObject({ code: 'stateStoreUnavailable' });
    const back = outage(connection);
    await Promise.allSettled([store.recordRoomClosed('r11'), store.releaseHold('r11')]);
    back();
    // erin's join gives the first write up, then goes without a lease (it was released): applied, reply lost.
    connection.loseNextReply('recordJoin');
    await expect(store.recordJoin(header, plain('erin'))).rejects.toMatchObject({ code: 'stateStoreUnavailable' });
    expect(await memberIds('r11')).toEqual(['alice', 'bob', 'erin']);
    await Promise.all([store.recordRoomClosed('r11'), store.releaseHold('r11')]);
    expect(await memberIds('r11')).toEqual(['alice', 'bob']);
    expect((await scope.inspector.room('r11'))?.host).toBeNull();
    expect(await scope.inspector.client.hget(metaKey('r11'), 'orphaned')).toBe('1');

    // frank's join under the epoch the lease-less write took (as a claim adopting it would): the orphaned
    // record is taken over all the same, and the heartbeat keeps what frank's join took.
    const [, , epoch] = (await connection.call('read', (client) =>
      READ_HOLDER_SCRIPT.run(client, new RedisKeys(scope.prefix).roomKeyList('r11'), []),
    )) as string[];
    (store as unknown as { leases: RoomLeases }).leases.know('r11', epoch!);
    const receipt = await store.recordJoin(header, plain('frank'));
    expect(receipt.held?.map((m) => m.userId).sort()).toEqual(['alice', 'bob']);
    await store.refreshHostedRooms();
    expect(await memberIds('r11')).toEqual(['alice', 'bob', 'frank']);
    // Neither failed joiner is reported gone: nobody was told they joined.
    expect(dropped).toEqual([]);
  });

  it('a lost first write sent without a lease, not closed before the heartbeat, is given up there without reporting its joiner', async () => {
    const { connection, store, dropped } = await lostFirstWrite('r12');
    const header = { roomId: 'r12', communityId: '1', resumeGraceMs: GRACE_MS };
    // No lease known here (the claim lapsed and was forgotten): the join goes without one.
    (store as unknown as { leases: RoomLeases }).leases.forget('r12');
    await scope.inspector.client.del(`${scope.prefix}{room:r12}:host`);
    connection.loseNextReply('recordJoin');
    await expect(store.recordJoin(header, plain('dave'))).rejects.toMatchObject({ code: 'stateStoreUnavailable' });
    expect(await memberIds('r12')).toEqual(['alice', 'bob', 'dave']);
    await store.refreshHostedRooms();
    expect(await memberIds('r12')).toEqual(['alice', 'bob']);
    expect((await scope.inspector.room('r12'))?.host).toBeNull();
    expect(dropped).toEqual([]);
  });
});

