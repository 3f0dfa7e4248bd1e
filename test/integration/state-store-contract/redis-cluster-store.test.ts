import type { RoomStateStore } from '../../../src/application';
import { RedisConnection } from '../../../src/adapters/redis';
import { startRedisCluster, type RedisClusterFixture } from '../../support/redis-fixture';
import { standaloneStore } from '../../support/redis/redis-node-harness';
import { RecordingLogger } from '../../support/fakes/recording-logger';
import { roomStateStoreContract } from './room-state-store-contract';

jest.setTimeout(60_000);

describe('RoomStateStore contract: RedisRoomStateStore on a 3-master Redis Cluster', () => {
  let cluster: RedisClusterFixture;
  const connections = new Map<RoomStateStore, RedisConnection>();

  beforeAll(async () => {
    cluster = await startRedisCluster();
  });

  afterAll(async () => {
    await cluster.stop();
  });

  roomStateStoreContract({
    async create(nodeId) {
      const logger = new RecordingLogger();
      const connection = new RedisConnection({ clusterNodes: cluster.nodes, commandTimeoutMs: 2_000, connectTimeoutMs: 2_000 }, logger);
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
