import { startRedis, type RedisFixture } from '../redis-fixture';
import { RedisInspector } from './redis-inspector';
import { uniquePrefix, type TestNode } from './redis-node-harness';

/** What a Redis integration test file works with; read through the getters, set by the scope's hooks. */
export interface RedisNodeScope {
  /** One redis-server for the whole file. */
  readonly redis: RedisFixture;
  /** A fresh key prefix per test, so tests never see each other's keys. */
  readonly prefix: string;
  readonly inspector: RedisInspector;
  /** Nodes the test started: closed (without deregistering) after each test. */
  readonly nodes: TestNode[];
}

/**
 * The set-up the Redis integration tests of nodes shared by copy (node-liveness, room-placement,
 * held-seats): one redis-server per file, a prefix and an inspector per test, the test's nodes closed
 * after it. Call it inside `describe`: it registers the hooks there.
 */
export const redisNodeScope = (): RedisNodeScope => {
  const nodes: TestNode[] = [];
  let redis: RedisFixture | undefined;
  let prefix = '';
  let inspector: RedisInspector | undefined;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  beforeEach(() => {
    prefix = uniquePrefix();
    inspector = new RedisInspector(redis!.url, prefix);
  });
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.close({ deregister: false })));
    inspector?.close();
  });
  return {
    get redis() {
      return redis!;
    },
    get prefix() {
      return prefix;
    },
    get inspector() {
      return inspector!;
    },
    nodes,
  };
};
