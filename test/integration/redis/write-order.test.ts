import type { Redis } from 'ioredis';
import type { MemberRecord } from '../../../src/application';
import { REASSERT_ROOM_SCRIPT } from '../../../src/adapters/redis/room-scripts';
import { startRedis, type RedisFixture } from '../../support/redis-fixture';
import { RedisInspector, membersOf } from '../../support/redis/redis-inspector';
import { startTestNode, uniquePrefix, type TestNode } from '../../support/redis/redis-node-harness';

jest.setTimeout(30_000);

const member = (userId: string): MemberRecord => ({ userId, connectionId: `conn-${userId}`, audio: true, video: true, joinedAt: 1_700_000_000_000 });

/**
 * Issue 13's "member lost from Redis for good", traced: the heartbeat's re-assert of a room took its
 * snapshot, was refused with NOSCRIPT (Redis had restarted and forgotten the script), a join into the
 * room ran meanwhile, and the re-assert resent with EVAL rewrote the room without the new member and
 * counted it clean. Here the join is sent at exactly that moment, every time.
 */
describe('writes for one room leave a node in order (real redis-server)', () => {
  let redis: RedisFixture;
  let node: TestNode;
  let inspector: RedisInspector;

  beforeEach(async () => {
    redis = await startRedis();
    const prefix = uniquePrefix();
    inspector = new RedisInspector(redis.url, prefix);
    node = await startTestNode({ url: redis.url }, { nodeId: 'node-a', prefix, heartbeatMs: 20_000, expiryMs: 60_000 });
  });
  afterEach(async () => {
    await node.close();
    inspector.close();
    await redis.stop();
  });

  it('a join sent while a re-assert of its room is being retried after NOSCRIPT is in the room afterwards', async () => {
    await node.store.recordJoin({ roomId: 'r1', communityId: '1' }, member('alice'));
    // Redis forgets every script; a join elsewhere loads the join script again, the re-assert stays unknown.
    await inspector.client.script('FLUSH');
    await node.store.recordJoin({ roomId: 'warm-up', communityId: '1' }, member('zed'));

    const client = node.connection.client as Redis;
    const evalsha = client.evalsha.bind(client);
    let join: Promise<unknown> | undefined;
    client.evalsha = ((sha: string, ...rest: (string | number)[]) => {
      const sent = (evalsha as (...args: unknown[]) => Promise<unknown>)(sha, ...rest);
      // Right behind the re-assert of r1, before Redis has answered it.
      if (sha === REASSERT_ROOM_SCRIPT.sha && join === undefined && rest.some((arg) => String(arg).includes('{room:r1}'))) {
        join = node.store.recordJoin({ roomId: 'r1', communityId: '1' }, member('bob'));
      }
      return sent;
    }) as typeof client.evalsha;

    await node.store.reassert();
    expect(join).toBeDefined();
    await join;
    client.evalsha = evalsha;

    expect(membersOf(await inspector.room('r1'))).toEqual({ alice: 'conn-alice', bob: 'conn-bob' });
    // And it stays so after the next heartbeat's repair.
    await node.registry.beat();
    expect(membersOf(await inspector.room('r1'))).toEqual({ alice: 'conn-alice', bob: 'conn-bob' });
  });
});
