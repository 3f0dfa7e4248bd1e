import { Redis } from 'ioredis';
import { defaultPresenceTuning, type PresenceTuning } from '../../../src/adapters/presence/presence-config';
import { RedisPresenceOutbox } from '../../../src/adapters/presence/redis-presence-outbox';
import { TcpPresenceNotifier } from '../../../src/adapters/presence/tcp-presence-notifier';
import { RedisUnavailableError, type RedisConnection } from '../../../src/adapters/shared/redis';
import { TestPresenceServer } from '../../support/presence-server';
import { burstEvents } from '../../support/presence/presence-events';
import { RecordingLogger } from '../../support/fakes/recording-logger';
import { startRedis, type RedisFixture } from '../../support/redis-fixture';
import { openSharedConnection } from '../../support/redis/shared-connection';

/**
 * The outbox reaches Redis through the state store's connection, so it shares its fail-fast: once the
 * connection knows Redis does not answer (a frozen server keeps its sockets open), an outbox call fails at
 * once instead of waiting out its timeout, and what was appended meanwhile is stored after Redis is back.
 */
jest.setTimeout(60_000);

const TIMEOUT_MS = 3_000;
const tuning: PresenceTuning = { ...defaultPresenceTuning, replyTimeoutMs: 1_000, connectTimeoutMs: 1_000, backoffBaseMs: 20, backoffMaxMs: 200, redisTimeoutMs: TIMEOUT_MS };

let redisServer: RedisFixture;
let server: TestPresenceServer;
let connection: RedisConnection;
let admin: Redis;
let notifier: TcpPresenceNotifier | undefined;

beforeAll(async () => {
  redisServer = await startRedis();
  server = await TestPresenceServer.start();
  connection = openSharedConnection({ url: redisServer.url }, TIMEOUT_MS);
  admin = new Redis(redisServer.url, { maxRetriesPerRequest: 0, disconnectTimeout: 50 });
  admin.on('error', () => undefined);
});

afterAll(async () => {
  await notifier?.shutdown(500);
  await server.stop();
  admin.disconnect();
  await connection.close();
  await redisServer.stop();
});

describe('the presence outbox on the shared Redis connection', () => {
  it('fails at once while the connection knows Redis is frozen, and stores what waited once it answers again', async () => {
    // No presence server: what is appended stays in the outbox, so the stream shows what was stored.
    await server.stop();
    const logger = new RecordingLogger();
    const outbox = new RedisPresenceOutbox(connection, { nodeId: 'node-ff', max: 10_000, timeoutMs: TIMEOUT_MS, retryBaseMs: 20, retryMaxMs: 200, sweepIntervalMs: 0 }, logger);
    notifier = new TcpPresenceNotifier({ host: '127.0.0.1', port: server.port }, tuning, outbox, logger);
    notifier.start();
    await waitUntil(() => outbox.isOpen, 10_000);

    await redisServer.freeze();
    try {
      // The connection's own probe finds out (within about two command timeouts), no outbox call needed.
      await waitUntil(() => !connection.isAvailable(), 4 * TIMEOUT_MS);
      const started = performance.now();
      const refusal = await outbox.sweepDeadNodes().then(
        () => undefined,
        (error: unknown) => error,
      );
      const elapsed = performance.now() - started;
      expect(refusal).toBeInstanceOf(RedisUnavailableError);
      expect((refusal as Error).message).toContain('Redis is not answering');
      // A tenth of the timeout the old outbox waited for every call; fails at once, not at the deadline.
      expect(elapsed).toBeLessThan(TIMEOUT_MS / 10);

      const events = burstEvents(20, 4);
      for (const event of events) notifier.notify(event);
      expect(outbox.depth).toBe(20);
    } finally {
      await redisServer.thaw();
    }
    await waitUntil(async () => connection.isAvailable() && (await admin.xlen('rtc:{presence}:outbox:node-ff')) === 20, 4 * TIMEOUT_MS);
    expect(outbox.depth).toBe(20);
  });
});

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
