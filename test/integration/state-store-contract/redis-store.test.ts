import type { RoomStateStore } from '../../../src/application';
import { RedisConnection, type RedisConnectionSettings } from '../../../src/adapters/redis';
import { startRedis, startRedisCluster } from '../../support/redis-fixture';
import { standaloneStore } from '../../support/redis/redis-node-harness';
import { RecordingLogger } from '../../support/fakes/recording-logger';
import { roomStateStoreContract } from './room-state-store-contract';

jest.setTimeout(60_000);

/** Where the store's Redis is: the fixture starts it and says how to reach it. */
interface RedisDeployment {
  readonly name: string;
  start(): Promise<{ readonly reach: Pick<RedisConnectionSettings, 'url' | 'clusterNodes'>; stop(): Promise<void> }>;
}

const deployments: readonly RedisDeployment[] = [
  {
    name: 'one redis-server',
    async start() {
      const redis = await startRedis();
      return { reach: { url: redis.url }, stop: () => redis.stop() };
    },
  },
  {
    name: 'a 3-master Redis Cluster',
    async start() {
      const cluster = await startRedisCluster();
      return { reach: { clusterNodes: cluster.nodes }, stop: () => cluster.stop() };
    },
  },
];

describe.each(deployments)('RoomStateStore contract: RedisRoomStateStore on $name', (deployment) => {
  let redis: Awaited<ReturnType<RedisDeployment['start']>>;
  const connections = new Map<RoomStateStore, RedisConnection>();

  beforeAll(async () => {
    redis = await deployment.start();
  });

  afterAll(async () => {
    await redis.stop();
  });

  roomStateStoreContract({
    async create(nodeId) {
      const logger = new RecordingLogger();
      const connection = new RedisConnection({ ...redis.reach, commandTimeoutMs: 2_000, connectTimeoutMs: 2_000 }, logger);
      await connection.open();
      // A fresh key prefix per test: every test sees an empty store on the shared server.
      const store = standaloneStore(connection, nodeId);
      connections.set(store, connection);
      return store;
    },
    async destroy(store) {
      await store.shutdown();
      await connections.get(store)?.close();
      connections.delete(store);
    },
  });
});
