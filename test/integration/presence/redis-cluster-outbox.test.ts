import { defaultPresenceTuning, type PresenceTuning } from '../../../src/adapters/presence/presence-config';
import { RedisPresenceOutbox } from '../../../src/adapters/presence/redis-presence-outbox';
import { TcpPresenceNotifier } from '../../../src/adapters/presence/tcp-presence-notifier';
import { TestPresenceServer } from '../../support/presence-server';
import { arrivalOrderByUser, burstEvents, expectedOrderByUser } from '../../support/presence/presence-events';
import { RecordingLogger } from '../../support/fakes/recording-logger';
import { startRedisCluster, type RedisClusterFixture } from '../../support/redis-fixture';
import { openSharedConnection } from '../../support/redis/shared-connection';
import type { RedisConnection } from '../../../src/adapters/shared/redis';

/** The outbox on a real three-master Redis Cluster, through the shared connection the state store uses. */
jest.setTimeout(90_000);

const tuning: PresenceTuning = { ...defaultPresenceTuning, replyTimeoutMs: 1_000, connectTimeoutMs: 1_000, backoffBaseMs: 20, backoffMaxMs: 200, redisTimeoutMs: 1_000 };

let cluster: RedisClusterFixture;
let server: TestPresenceServer;
const clients: RedisConnection[] = [];
const notifiers: TcpPresenceNotifier[] = [];
const logger = new RecordingLogger();

function client(): RedisConnection {
  const redis = openSharedConnection({ clusterNodes: cluster.nodes });
  clients.push(redis);
  return redis;
}

function notifierOn(nodeId: string): { notifier: TcpPresenceNotifier; outbox: RedisPresenceOutbox } {
  const outbox = new RedisPresenceOutbox(client(), { nodeId, max: 10_000, timeoutMs: 1_000, retryBaseMs: 20, retryMaxMs: 200, sweepIntervalMs: 0 }, logger);
  const notifier = new TcpPresenceNotifier({ host: '127.0.0.1', port: server.port }, tuning, outbox, logger);
  notifiers.push(notifier);
  notifier.start();
  return { notifier, outbox };
}

beforeAll(async () => {
  cluster = await startRedisCluster();
  server = await TestPresenceServer.start();
});

afterAll(async () => {
  await Promise.all(notifiers.splice(0).map((n) => n.shutdown(500)));
  await Promise.all(clients.splice(0).map((redis) => redis.close()));
  await server.stop();
  await cluster.stop();
});

describe('RedisPresenceOutbox on a Redis Cluster', () => {
  it('persists, reloads after a stop with the same node id, and adopts another node\'s outbox (one hash slot)', async () => {
    await server.stop();
    const first = notifierOn('cluster-a');
    const other = notifierOn('cluster-b');
    const events = burstEvents(120, 12);
    for (const event of events.slice(0, 80)) first.notifier.notify(event);
    for (const event of events.slice(80)) other.notifier.notify(event);
    await waitUntil(() => first.outbox.isOpen && other.outbox.isOpen && first.outbox.unpersisted === 0 && other.outbox.unpersisted === 0, 20_000);
    // Both stop without reaching the presence server: their entries stay in the Cluster.
    await Promise.all([first.notifier.shutdown(200), other.notifier.shutdown(200)]);

    await server.restart();
    const again = notifierOn('cluster-a');
    await waitUntil(() => again.outbox.isOpen, 20_000);
    await expect(again.notifier.flushDeadNodeOutbox('cluster-b')).resolves.toBe(40);
    await server.waitFor(() => server.uniqueEventIds().size >= 120, 20_000, 'the 120 stored events');
    expect(arrivalOrderByUser(server.messages())).toEqual(expectedOrderByUser(events));
    await waitUntil(() => again.notifier.stats().depth === 0, 5_000);
  });
});

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
