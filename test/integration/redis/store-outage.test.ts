import type { MemberRecord } from '../../../src/application';
import { isSignalingError } from '../../../src/domain';
import { startRedis, type RedisFixture } from '../../support/redis-fixture';
import { RedisInspector, membersOf } from '../../support/redis/redis-inspector';
import { TcpProxy } from '../../support/redis/tcp-proxy';
import { eventually, startTestNode, uniquePrefix, type TestNode } from '../../support/redis/redis-node-harness';

jest.setTimeout(60_000);

const member = (userId: string, extra: Partial<MemberRecord> = {}): MemberRecord => ({
  userId,
  connectionId: `conn-${userId}`,
  audio: true,
  video: true,
  joinedAt: 1_700_000_000_000,
  ...extra,
});

/** Runs `work`, expecting a `stateStoreUnavailable` rejection; returns how long it took. */
const refusedWithin = async (work: () => Promise<unknown>): Promise<number> => {
  const started = Date.now();
  const outcome = await work().then(
    () => 'resolved',
    (error: unknown) => (isSignalingError(error) ? error.code : String(error)),
  );
  expect(outcome).toBe('stateStoreUnavailable');
  return Date.now() - started;
};

describe('RedisRoomStateStore through Redis outages (real redis-server)', () => {
  let redis: RedisFixture;
  let prefix: string;
  let inspector: RedisInspector;
  let node: TestNode | undefined;

  beforeEach(async () => {
    redis = await startRedis();
    prefix = uniquePrefix();
    inspector = new RedisInspector(redis.url, prefix);
  });
  afterEach(async () => {
    await node?.close({ deregister: false });
    node = undefined;
    inspector.close();
    await redis.stop();
  });

  it('refuses fast while Redis is down, and re-asserts exactly the rooms and members held when it is back', async () => {
    node = await startTestNode({ url: redis.url }, { nodeId: 'node-a', prefix, heartbeatMs: 100, expiryMs: 1_000, commandTimeoutMs: 300 });
    const a = node;
    for (const u of ['alice', 'bob', 'carol']) await a.store.recordJoin({ roomId: 'r1', communityId: '1', mediaRef: 'm-1' }, member(u));
    await a.store.recordJoin({ roomId: 'r2', communityId: '1' }, member('dave'));

    await redis.kill();
    await eventually(() => !a.connection.isAvailable(), 5_000, 10);
    expect(a.store.isAvailable()).toBe(false);

    // New work is refused at once, not after a timeout.
    expect(await refusedWithin(() => a.store.recordJoin({ roomId: 'r1', communityId: '1' }, member('eve')))).toBeLessThan(100);
    expect(await refusedWithin(() => a.placement.claim('brand-new'))).toBeLessThan(100);
    expect(await refusedWithin(() => a.placement.locate('brand-new'))).toBeLessThan(100);
    expect(await refusedWithin(() => a.store.getRoom('r1'))).toBeLessThan(100);
    // Rooms already here are still known as hosted here: their joins are not sent elsewhere.
    await expect(a.placement.claim('r1')).resolves.toEqual({ hostedHere: true });

    // What happens in the rooms meanwhile cannot be written; departures are kept to be written later.
    await expect(a.store.recordLeave('r1', 'carol', 'conn-carol')).resolves.toMatchObject({ outcome: 'deferred' });
    await refusedWithin(() => a.store.recordMediaState('r1', 'bob', { audio: false, video: true }));
    await expect(a.store.recordLeave('r2', 'dave', 'conn-dave')).resolves.toMatchObject({ outcome: 'deferred' });
    await refusedWithin(() => a.store.recordRoomClosed('r2'));

    await redis.restart();
    await eventually(async () => (await inspector.rooms()).size > 0 && (await inspector.liveNodes()).length > 0, 10_000, 50);
    const rooms = await inspector.rooms();
    expect([...rooms.keys()]).toEqual(['r1']);
    expect(membersOf(rooms.get('r1'))).toEqual({ alice: 'conn-alice', bob: 'conn-bob' });
    expect(await a.store.getRoom('r1')).toEqual({
      roomId: 'r1',
      communityId: '1',
      nodeId: 'node-a',
      mediaRef: 'm-1',
      members: [member('alice'), member('bob', { audio: false, video: true })],
    });
    expect(rooms.get('r1')?.host).toBe('node-a');
    expect(await inspector.liveNodes()).toEqual(['node-a']);
    expect(await inspector.roomIndex('node-a')).toEqual(['r1']);
    expect(a.logger.messages('info')).toContain('state re-asserted in Redis');

    // And joins work again.
    await a.store.recordJoin({ roomId: 'r1', communityId: '1' }, member('eve'));
    expect(membersOf(await inspector.room('r1'))).toEqual({ alice: 'conn-alice', bob: 'conn-bob', eve: 'conn-eve' });
  });

  it('a join that timed out but reached Redis late leaves no ghost member', async () => {
    // A slow heartbeat: this test triggers the repair itself, after seeing the ghost.
    node = await startTestNode({ url: redis.url }, { nodeId: 'node-a', prefix, heartbeatMs: 20_000, expiryMs: 60_000, commandTimeoutMs: 200 });
    const a = node;
    await a.store.recordJoin({ roomId: 'r3', communityId: '1' }, member('alice'));

    await inspector.client.call('CLIENT', 'PAUSE', '1000', 'WRITE');
    const outcome = await a.store.recordJoin({ roomId: 'r3', communityId: '1' }, member('ghost')).then(
      () => 'recorded',
      (error: unknown) => (isSignalingError(error) ? error.code : String(error)),
    );
    expect(outcome).toBe('stateStoreUnavailable');
    // Redis runs the paused script once the pause ends: the member the node refused is now in Redis.
    await eventually(async () => membersOf(await inspector.room('r3'))?.ghost !== undefined, 5_000, 20);
    // After its timeout the node refuses Redis work until a PING answers (probed every command timeout):
    // the repair runs on the first heartbeat after that, not on one that is still refused.
    await eventually(() => a.connection.isAvailable(), 5_000, 20);

    await a.registry.beat();
    expect(membersOf(await inspector.room('r3'))).toEqual({ alice: 'conn-alice' });
    expect(a.store.hostedRoomIds()).toEqual(['r3']);
  });

  it('a departure Redis did not answer in time is stamped when it happened, not a command deadline later', async () => {
    node = await startTestNode({ url: redis.url }, { nodeId: 'node-a', prefix, heartbeatMs: 20_000, expiryMs: 60_000, commandTimeoutMs: 300 });
    const a = node;
    await a.store.recordJoin({ roomId: 'r6', communityId: '1' }, member('alice'));
    await a.store.recordJoin({ roomId: 'r6', communityId: '1' }, member('bob'));

    await inspector.client.call('CLIENT', 'PAUSE', '1000', 'WRITE');
    const leftAt = Date.now();
    const receipt = await a.store.recordLeave('r6', 'bob', 'conn-bob');
    expect(receipt.outcome).toBe('deferred');
    expect(Date.now() - leftAt).toBeGreaterThanOrEqual(300);
    // Stamped at most a scheduling hiccup after the leave began. A stamp taken when the deadline passed would
    // come after a return the member made on another node meanwhile (stamped by Redis), and report it gone.
    expect(receipt.at - leftAt).toBeLessThan(150);
  });

  it('after a partition, leaves and closes that could not be written are applied: no ghosts', async () => {
    // Redis keeps running with its data; only this node is cut off from it.
    const proxy = await TcpProxy.start(redis.port);
    try {
      node = await startTestNode({ url: proxy.url }, { nodeId: 'node-a', prefix, heartbeatMs: 100, expiryMs: 10_000, commandTimeoutMs: 300 });
      const a = node;
      await a.store.recordJoin({ roomId: 'r4', communityId: '1' }, member('alice'));
      for (const u of ['bob', 'carol']) await a.store.recordJoin({ roomId: 'r5', communityId: '1' }, member(u));

      proxy.cut();
      await eventually(() => !a.connection.isAvailable(), 5_000, 10);
      await expect(a.store.recordLeave('r4', 'alice', 'conn-alice')).resolves.toMatchObject({ outcome: 'deferred' });
      await refusedWithin(() => a.store.recordRoomClosed('r4'));
      await expect(a.store.recordLeave('r5', 'bob', 'conn-bob')).resolves.toMatchObject({ outcome: 'deferred' });
      // Redis still holds the old truth.
      expect(membersOf(await inspector.room('r4'))).toEqual({ alice: 'conn-alice' });
      expect(membersOf(await inspector.room('r5'))).toEqual({ bob: 'conn-bob', carol: 'conn-carol' });

      proxy.restore();
      await eventually(async () => (await inspector.rooms()).size === 1, 10_000, 50);
      const rooms = await inspector.rooms();
      expect(membersOf(rooms.get('r5'))).toEqual({ carol: 'conn-carol' });
      expect(await inspector.roomIndex('node-a')).toEqual(['r5']);
    } finally {
      await node?.close({ deregister: false });
      node = undefined;
      await proxy.close();
    }
  });
});
