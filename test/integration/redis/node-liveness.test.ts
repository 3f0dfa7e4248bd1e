import type { MemberRecord, DepartedRoom, JoinReceipt } from '../../../src/application';
import { membersOf } from '../../support/redis/redis-inspector';
import { redisNodeScope } from '../../support/redis/redis-node-scope';
import { eventually, startTestNode, type TestNode } from '../../support/redis/redis-node-harness';

jest.setTimeout(60_000);

const member = (userId: string, connectionId = `conn-${userId}`): MemberRecord => ({
  userId,
  connectionId,
  audio: true,
  video: true,
  joinedAt: Date.now(),
});

describe('node registry on a real redis-server: heartbeat, expiry, reaping', () => {
  const scope = redisNodeScope();

  const start = async (nodeId: string, options: { heartbeatMs: number; expiryMs: number; load?: number }): Promise<TestNode> => {
    const node = await startTestNode({ url: scope.redis.url }, { nodeId, prefix: scope.prefix, ...options });
    scope.nodes.push(node);
    return node;
  };

  it('registers id, URL and load with a heartbeat key that expires once the node falls silent', async () => {
    const a = await start('node-a', { heartbeatMs: 100, expiryMs: 500, load: 7 });
    expect(await scope.inspector.liveNodes()).toEqual(['node-a']);
    expect(await scope.inspector.registeredNodes()).toEqual(['node-a']);
    expect(await scope.inspector.client.hget(`${scope.prefix}{nodes}:urls`, 'node-a')).toBe(a.url);
    expect(await scope.inspector.client.hget(`${scope.prefix}{nodes}:loads`, 'node-a')).toBe('7');
    const ttl = await scope.inspector.client.pttl(`${scope.prefix}{nodes}:alive:node-a`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(500);

    // Still alive well past one expiry: the heartbeat renews it.
    await new Promise((r) => setTimeout(r, 1_200));
    expect(await scope.inspector.liveNodes()).toEqual(['node-a']);

    await a.close({ deregister: false });
    const silentFor = await eventually(async () => (await scope.inspector.liveNodes()).length === 0, 3_000, 20);
    expect(silentFor).toBeLessThanOrEqual(600);
  });

  it('a node that just could not reach Redis reaps nobody for one expiry: after a shared outage every node gets to renew first', async () => {
    const timing = { heartbeatMs: 500, expiryMs: 1_500, commandTimeoutMs: 200 };
    const a = await start('node-a', timing);
    const b = await start('node-b', timing);
    await a.store.recordJoin({ roomId: 'a-room', communityId: '1' }, member('ann'));
    await a.registry.beat();
    // a falls silent (the test beats for it below).
    await a.registry.stop({ deregister: false });
    // Redis stops answering long enough for b's calls to time out (a frozen or overloaded Redis)...
    await scope.inspector.client.call('CLIENT', 'PAUSE', '600', 'ALL');
    await b.placement.locate('any-room').catch(() => undefined);
    await eventually(() => b.connection.isAvailable(), 5_000, 20);
    // ...and meanwhile a's liveness lapsed, as every node's does during such an outage.
    await scope.inspector.client.del(`${scope.prefix}{nodes}:alive:node-a`);

    expect(await b.registry.reapDeadNodes()).toBe(0);
    expect(membersOf(await scope.inspector.room('a-room'))).toEqual({ ann: 'conn-ann' });
    // a renews in time: nothing happened to it.
    await a.registry.beat();
    expect(await scope.inspector.liveNodes()).toEqual(['node-a', 'node-b']);

    // A node that really stays silent is still reaped, by b's own heartbeat, once b's trouble is an expiry old.
    await scope.inspector.client.del(`${scope.prefix}{nodes}:alive:node-a`);
    // The reaper removes the rooms first (in slices), then forgets the node: wait for both.
    await eventually(async () => (await scope.inspector.rooms()).size === 0 && (await scope.inspector.registeredNodes()).length === 1, 5_000, 50).catch(() => undefined);
    expect(await scope.inspector.rooms()).toEqual(new Map());
    expect(await scope.inspector.registeredNodes()).toEqual(['node-b']);
  });

  it('a graceful stop removes the node and the rooms it still records', async () => {
    const a = await start('node-a', { heartbeatMs: 100, expiryMs: 500 });
    await a.store.recordJoin({ roomId: 'r1', communityId: '1' }, member('alice'));
    expect(membersOf(await scope.inspector.room('r1'))).toEqual({ alice: 'conn-alice' });
    await a.close({ deregister: true });
    expect(await scope.inspector.rooms()).toEqual(new Map());
    expect(await scope.inspector.registeredNodes()).toEqual([]);
    expect(await scope.inspector.liveNodes()).toEqual([]);
  });

  /** Rooms the given nodes report freed, as "reaper:room:user,user" (members in join order). */
  const recordReaped = (...live: TestNode[]): string[] => {
    const reported: string[] = [];
    for (const node of live) {
      node.registry.onRoomReaped(({ record: room }: DepartedRoom) =>
        reported.push(`${node.registry.nodeId}:${room.roomId}:${room.nodeId}:${room.members.map((m) => m.userId).join(',')}`),
      );
    }
    return reported;
  };

  it("live nodes reap a dead node's rooms and members within one expiry, both reaping at once without harm", async () => {
    const timing = { heartbeatMs: 100, expiryMs: 600 };
    const a = await start('node-a', timing);
    const b = await start('node-b', timing);
    const reported = recordReaped(a, b);
    const dead = await start('node-c', timing);
    await a.store.recordJoin({ roomId: 'kept', communityId: '1' }, member('ann'));
    for (const roomId of ['c1', 'c2', 'c3']) {
      await dead.store.recordJoin({ roomId, communityId: '1' }, member(`${roomId}-u1`));
      await dead.store.recordJoin({ roomId, communityId: '1' }, member(`${roomId}-u2`));
    }
    expect([...(await scope.inspector.rooms()).keys()]).toEqual(['c1', 'c2', 'c3', 'kept']);

    await dead.close({ deregister: false });
    const took = await eventually(async () => {
      const rooms = await scope.inspector.rooms();
      return rooms.size === 1 && (await scope.inspector.registeredNodes()).join() === 'node-a,node-b';
    }, 5_000, 20);
    // Dead after at most one expiry, noticed at the next heartbeat of a live node; margin for a busy machine.
    expect(took).toBeLessThan(timing.expiryMs + timing.heartbeatMs + 1_000);
    expect(membersOf(await scope.inspector.room('kept'))).toEqual({ ann: 'conn-ann' });
    expect(await scope.inspector.roomIndex('node-c')).toEqual([]);
    const reapLogs = [...a.logger.messages('warn'), ...b.logger.messages('warn')].filter((m) => m === 'reaped a dead signaling node');
    expect(reapLogs.length).toBeGreaterThanOrEqual(1);
    expect([...a.logger.messages('error'), ...b.logger.messages('error')]).toEqual([]);
    // Each freed room is reported once, by whichever node reaped it, with the members the dead node held.
    expect(reported.map((r) => r.slice(r.indexOf(':') + 1)).sort()).toEqual([
      'c1:node-c:c1-u1,c1-u2',
      'c2:node-c:c2-u1,c2-u2',
      'c3:node-c:c3-u1,c3-u2',
    ]);
  });

  it('a graceful stop reports none of its own rooms as lost: their members departed the normal way', async () => {
    const a = await start('node-a', { heartbeatMs: 100, expiryMs: 500 });
    const reported = recordReaped(a);
    await a.store.recordJoin({ roomId: 'r1', communityId: '1' }, member('alice'));
    await a.close({ deregister: true });
    expect(await scope.inspector.rooms()).toEqual(new Map());
    expect(reported).toEqual([]);
  });

  it('two reapers racing never remove a room that a live node took over from the dead one', async () => {
    // Live nodes with a slow heartbeat, so that this test decides when they reap.
    const slow = { heartbeatMs: 20_000, expiryMs: 60_000 };
    const a = await start('node-a', { ...slow, load: 0 });
    const b = await start('node-b', { ...slow, load: 10 });
    const dead = await start('node-d', slow);
    await dead.store.recordJoin({ roomId: 'gone', communityId: '1' }, member('g1'));
    await dead.store.recordJoin({ roomId: 'moved', communityId: '1' }, member('m1'));
    await dead.store.recordJoin({ roomId: 'moved', communityId: '1' }, member('m2'));
    await dead.registry.beat();
    await dead.close({ deregister: false });
    // Its heartbeat key runs out (here at once) while its room keys would live on for a while.
    await scope.inspector.client.del(`${scope.prefix}{nodes}:alive:node-d`);
    expect(membersOf(await scope.inspector.room('moved'))).toEqual({ m1: 'conn-m1', m2: 'conn-m2' });

    // The room's claim still names the dead node; node-a (least loaded) takes it over and a member joins.
    const replaced: string[] = [];
    const noteReplaced = ({ replaced: gone }: JoinReceipt): void => {
      if (gone) replaced.push(`${gone.record.roomId}:${gone.record.nodeId}:${gone.record.members.map((m) => m.userId).join(',')}`);
    };
    expect(await a.placement.locate('moved')).toEqual({ nodeId: 'node-a', nodeUrl: a.url });
    noteReplaced(await a.store.recordJoin({ roomId: 'moved', communityId: '1' }, member('newcomer')));
    // The dead node's members did not survive the takeover, and the join that took it over returns them.
    expect(membersOf(await scope.inspector.room('moved'))).toEqual({ newcomer: 'conn-newcomer' });
    expect(replaced).toEqual(['moved:node-d:m1,m2']);
    noteReplaced(await a.store.recordJoin({ roomId: 'moved', communityId: '1' }, member('second')));
    expect(replaced).toHaveLength(1);

    const reported = recordReaped(a, b);
    const [byA, byB] = await Promise.all([a.registry.reapDeadNodes(), b.registry.reapDeadNodes()]);
    expect(byA + byB).toBe(1);
    // Only the room that was still the dead node's is reported; the taken-over one belongs to node-a now.
    expect(reported.map((r) => r.slice(r.indexOf(':') + 1))).toEqual(['gone:node-d:g1']);
    expect([...(await scope.inspector.rooms()).keys()]).toEqual(['moved']);
    expect(await scope.inspector.room('moved')).toMatchObject({ nodeId: 'node-a', host: 'node-a' });
    expect(await scope.inspector.registeredNodes()).toEqual(['node-a', 'node-b']);
  });

  it('a reaper that fails half-way lets go of its lock, so the next attempt need not wait it out', async () => {
    const slow = { heartbeatMs: 20_000, expiryMs: 60_000 };
    const a = await start('node-a', slow);
    const dead = await start('node-e', slow);
    await dead.store.recordJoin({ roomId: 'stuck', communityId: '1' }, member('s1'));
    await dead.registry.beat();
    await dead.close({ deregister: false });
    await scope.inspector.client.del(`${scope.prefix}{nodes}:alive:node-e`);
    // The dead node's room index is unreadable (wrong type): the reaper's second call fails.
    const index = `${scope.prefix}{nodes}:rooms:node-e`;
    await scope.inspector.client.del(index);
    await scope.inspector.client.set(index, 'not a set');

    await expect(a.registry.reapDeadNodes()).rejects.toThrow(/WRONGTYPE/);
    expect(await scope.inspector.client.exists(`${scope.prefix}{nodes}:reaping:node-e`)).toBe(0);

    await scope.inspector.client.del(index);
    await scope.inspector.client.sadd(index, 'stuck');
    expect(await a.registry.reapDeadNodes()).toBe(1);
    expect(await scope.inspector.room('stuck')).toBeUndefined();
  });
});
