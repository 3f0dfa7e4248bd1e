import { Redis } from 'ioredis';
import type { MemberRecord } from '../../../src/application';
import { startRedis, type RedisFixture } from '../../support/redis-fixture';
import { startTestNode, uniquePrefix, type TestNode } from '../../support/redis/redis-node-harness';

jest.setTimeout(30_000);

const member = (userId: string): MemberRecord => ({ userId, connectionId: `conn-${userId}`, audio: true, video: true, joinedAt: Date.now() });

/**
 * What one join into a live room, one leave and one heartbeat renewal cost Redis, commands inside the
 * scripts included (INFO commandstats counts those too). docs/benchmarks.md says why each is needed;
 * issue 20 took a join from 18 to 16 and a renewal from 10 to 9 (the fence's TTL checked once per
 * script, its epoch not read twice), every write still naming its epoch.
 */
describe('Redis commands per room operation', () => {
  let redis: RedisFixture;
  let node: TestNode;
  let stats: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    stats = new Redis(redis.url);
    // A slow heartbeat keeps its own commands out of the counts below.
    node = await startTestNode({ url: redis.url }, { nodeId: 'node-a', prefix: uniquePrefix(), heartbeatMs: 60_000, expiryMs: 180_000 });
  });
  afterAll(async () => {
    await node?.close({ deregister: false });
    stats?.disconnect();
    await redis?.stop();
  });

  /** Commands Redis ran while `work` ran, by name (our own INFO and CONFIG excluded). */
  const counted = async (work: () => Promise<unknown>): Promise<Record<string, number>> => {
    // A script refreshes the fence's TTL only once it has run down (PTTL below the full TTL): a call within
    // the same millisecond as the previous write skips that PEXPIRE, one command fewer, and on a fast
    // machine the calls below came that close. A few milliseconds apart, as a node's operations are.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await stats.config('RESETSTAT');
    await work();
    const info = await stats.info('commandstats');
    const counts: Record<string, number> = {};
    for (const line of info.split('\n')) {
      const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
      if (match && !/^(info|config|ping)/.test(match[1]!)) counts[match[1]!] = Number(match[2]);
    }
    return counts;
  };
  const total = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

  it('a later join is one script running 18 commands in all, a leave 11, a renewal 9', async () => {
    // Every script used once first: the first use of a script is an EVALSHA refused with NOSCRIPT, then EVAL.
    await node.store.recordJoin({ roomId: 'room', communityId: '1' }, member('first'));
    await node.store.recordJoin({ roomId: 'room', communityId: '1' }, member('warm'));
    await node.store.recordLeave('room', 'warm', 'conn-warm');
    await node.store.confirmHold('room');

    const join = await counted(() => node.store.recordJoin({ roomId: 'room', communityId: '1' }, member('later')));
    const leave = await counted(() => node.store.recordLeave('room', 'later', 'conn-later'));
    const renewal = await counted(() => node.store.confirmHold('room'));
    expect({ join: total(join), leave: total(leave), renewal: total(renewal) }).toEqual({ join: 18, leave: 11, renewal: 9 });
    expect([join.evalsha, leave.evalsha, renewal.evalsha]).toEqual([1, 1, 1]);
  });
});
