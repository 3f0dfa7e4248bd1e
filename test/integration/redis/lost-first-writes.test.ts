import { fenceTtl, RedisConnection, RedisKeys, type RedisRoomStateStore } from '../../../src/adapters/redis';
import { OrphanedRooms } from '../../../src/adapters/redis/orphaned-rooms';
import { CLAIM_ROOM_SCRIPT, READ_HOLDER_SCRIPT } from '../../../src/adapters/redis/room-scripts';
import type { RoomHeader } from '../../../src/application';
import { RecordingLogger } from '../../support/fakes/recording-logger';
import { deadHostRooms, GRACE_MS, plain, reportLine, SLOW, storeWithLeases } from '../../support/redis/dead-host-rooms';
import { eventually } from '../../support/redis/redis-node-harness';
import { redisNodeScope } from '../../support/redis/redis-node-scope';
import { ReplyLosingConnection } from '../../support/redis/reply-losing-connection';

jest.setTimeout(60_000);

/**
 * A room's first join or resume on a node whose reply is lost after Redis applied it (the node's deadline
 * passed first): if it took over the record a dead host left, that record holds seats for the dead host's
 * resumable members, and the node does not know it holds it. Whatever the node does next (close the room,
 * fail again, join again, repair it in a heartbeat) must not take those seats or report anyone wrongly.
 * The reply is lost exactly (ReplyLosingConnection): a real stall cannot be placed between apply and reply.
 */
describe('first writes on a dead host\'s record whose replies are lost, on a real redis-server', () => {
  const scope = redisNodeScope();
  const connections: RedisConnection[] = [];
  const { start, reports, roomOnDyingNode, memberIds, metaKey, orphansKey } = deadHostRooms(scope);

  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.close()));
  });

  /**
   * A first write that took the dead host's record over, applied by Redis but answered too late (the
   * node's deadline passed): the node does not know it holds the record, and the core closes the room.
   */
  const lostFirstWrite = async (roomId: string) => {
    const connection = new ReplyLosingConnection({ url: scope.redis.url, commandTimeoutMs: 1_000, connectTimeoutMs: 1_000 }, new RecordingLogger());
    connections.push(connection);
    await connection.open();
    const { keys, leases, store, claim } = storeWithLeases(connection, scope.prefix, 'node-new', SLOW);
    await roomOnDyingNode(roomId, SLOW);
    await eventually(async () => (await scope.inspector.room(roomId))?.host === null, 5_000, 5);
    await claim(roomId);
    const dropped: string[] = [];
    store.onStaleRecordDropped((room) => dropped.push(reportLine(room)));
    return { connection, store, dropped, keys, leases };
  };
  /** dave's first join is applied but its reply lost, and the core's close of the room fails (Redis not answering). */
  const lostJoinThenFailedClose = async (connection: ReplyLosingConnection, store: RedisRoomStateStore, header: RoomHeader): Promise<void> => {
    connection.loseNextReply('recordJoin');
    await expect(store.recordJoin(header, plain('dave'))).rejects.toMatchObject({ code: 'stateStoreUnavailable' });
    const back = outage(connection);
    await Promise.allSettled([store.recordRoomClosed(header.roomId), store.releaseHold(header.roomId)]);
    back();
  };
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
    expect(await scope.inspector.client.zscore(orphansKey(), 'r6')).not.toBeNull();
    // carol, whom the takeover removed, is reported gone as its lost reply would have told; dave was refused
    // to its client and reported to nobody: nobody reports it gone.
    expect(dropped).toEqual(['r6:carol']);

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
    expect(dropped).toEqual(['r7:carol', 'r7:alice']);
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
    expect(dropped).toEqual(['r8:carol']);
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
    expect(dropped).toEqual(['r9:carol', 'r9:alice']);
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
    expect(dropped).toEqual(['r10:carol']);
  });

  it('a second lost first write, sent without a lease after the first was given up, is given up too: the seats survive both', async () => {
    const { connection, store, dropped, leases } = await lostFirstWrite('r11');
    const header = { roomId: 'r11', communityId: '1', resumeGraceMs: GRACE_MS };
    await lostJoinThenFailedClose(connection, store, header);
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
    leases.know('r11', epoch!);
    const receipt = await store.recordJoin(header, plain('frank'));
    expect(receipt.held?.map((m) => m.userId).sort()).toEqual(['alice', 'bob']);
    await store.refreshHostedRooms();
    expect(await memberIds('r11')).toEqual(['alice', 'bob', 'frank']);
    // carol once, by the first give-up; neither failed joiner: nobody was told they joined.
    expect(dropped).toEqual(['r11:carol']);
  });

  it('a lost first write sent without a lease, not closed before the heartbeat, is given up there without reporting its joiner', async () => {
    const { connection, store, dropped, leases } = await lostFirstWrite('r12');
    const header = { roomId: 'r12', communityId: '1', resumeGraceMs: GRACE_MS };
    // No lease known here (the claim lapsed and was forgotten): the join goes without one.
    leases.forget('r12');
    await scope.inspector.client.del(`${scope.prefix}{room:r12}:host`);
    connection.loseNextReply('recordJoin');
    await expect(store.recordJoin(header, plain('dave'))).rejects.toMatchObject({ code: 'stateStoreUnavailable' });
    expect(await memberIds('r12')).toEqual(['alice', 'bob', 'dave']);
    await store.refreshHostedRooms();
    expect(await memberIds('r12')).toEqual(['alice', 'bob']);
    expect((await scope.inspector.room('r12'))?.host).toBeNull();
    expect(dropped).toEqual(['r12:carol']);
  });

  it('a first resume sent without a lease that never reached Redis, after an earlier give-up here, costs nobody their seat', async () => {
    const { connection, store, dropped } = await lostFirstWrite('r13');
    const header = { roomId: 'r13', communityId: '1', resumeGraceMs: GRACE_MS };
    await lostJoinThenFailedClose(connection, store, header);
    // alice resumes here: dave's write is given up first (the record orphaned under this node's epoch, the
    // lease released), then the resume goes without a lease and fails before reaching Redis.
    const original = connection.call.bind(connection);
    const unsent = jest
      .spyOn(connection, 'call')
      .mockImplementation(((operation: string, work: never, deadlineMs?: number) =>
        operation === 'recordResume' ? Promise.reject(new Error('not sent')) : original(operation, work, deadlineMs)) as never);
    const alice = { userId: 'alice', proof: 'proof-alice', connectionId: 'conn-alice-2', nextProof: 'proof-alice-2' };
    await expect(store.recordResume(header, alice)).rejects.toThrow('not sent');
    unsent.mockRestore();
    await Promise.allSettled([store.recordRoomClosed('r13'), store.releaseHold('r13')]);
    // Nothing was written: alice's seat, with the proof her client still holds, is still there and works.
    expect(await memberIds('r13')).toEqual(['alice', 'bob']);
    expect(dropped).toEqual(['r13:carol']);
    const retried = await store.recordResume(header, alice);
    expect(retried.outcome).toBe('resumed');
  });

  it("a revisit that found the record taken over does not remove the booking made when it was given up again", async () => {
    const { connection, store } = await lostFirstWrite('r14');
    const header = { roomId: 'r14', communityId: '1', resumeGraceMs: GRACE_MS };
    // A revisit of the record was booked earlier and is due now.
    await scope.inspector.client.zadd(orphansKey(), 0, 'r14');
    connection.loseNextReply('recordJoin');
    await expect(store.recordJoin(header, plain('dave'))).rejects.toMatchObject({ code: 'stateStoreUnavailable' });
    // Another node's heartbeat revisits due rooms; its unbook is held until this node has given the room up.
    const other = new RedisConnection({ url: scope.redis.url, commandTimeoutMs: 1_000, connectTimeoutMs: 1_000 }, new RecordingLogger());
    connections.push(other);
    await other.open();
    let reaped!: () => void;
    const reapDone = new Promise<void>((resolve) => (reaped = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const otherCall = other.call.bind(other);
    jest.spyOn(other, 'call').mockImplementation((async (operation: string, work: never, deadlineMs?: number) => {
      if (operation === 'orphans/unbook') {
        reaped();
        await gate;
      }
      return otherCall(operation, work, deadlineMs);
    }) as never);
    const revisitor = new OrphanedRooms({ connection: other, keys: new RedisKeys(scope.prefix), fenceTtlMs: fenceTtl(SLOW.expiryMs), leaseTtlMs: SLOW.expiryMs, logger: new RecordingLogger() });
    const revisit = revisitor.revisitDue();
    // Its reap found the record node-new's (not orphaned): it will unbook.
    await reapDone;
    await store.recordRoomClosed('r14');
    const booked = await scope.inspector.client.zscore(orphansKey(), 'r14');
    expect(booked).not.toBeNull();
    release();
    expect(await revisit).toEqual([]);
    expect(await scope.inspector.client.zscore(orphansKey(), 'r14')).toBe(booked);

    // So the seats are reported once they run out, by a live node's revisit, not left to expire silently.
    const live = await start('node-live', SLOW);
    const reported = reports(live);
    await eventually(() => reported.length > 0, GRACE_MS + 3 * SLOW.expiryMs, 50);
    expect(reported).toEqual(['r14:alice,bob']);
  });

  it('members a takeover whose reply came back removed are not reported again when the room is given up later', async () => {
    const { store, dropped } = await lostFirstWrite('r15');
    const receipt = await store.recordJoin({ roomId: 'r15', communityId: '1', resumeGraceMs: GRACE_MS }, plain('dave'));
    expect(receipt.replaced?.record.members.map((m) => m.userId)).toEqual(['carol']);
    // The node loses the room later (another node took it, say) and gives its record up: dave goes, the
    // seats stay; carol was reported from the reply and is not reported again.
    const departed = await store.recordRoomAbandoned('r15');
    expect(departed?.record.members.map((m) => m.userId)).toEqual(['dave']);
    expect(dropped).toEqual([]);
  });
});

