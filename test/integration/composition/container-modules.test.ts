import pino from 'pino';
import type { Container, ServiceIdentifier } from 'inversify';
import { AddIceCandidate, AdminModeration, DrainNode, JoinRoom, LeaveRoom, RelayMediaEvents, ReportLostRoom, ResumeSession, RoomHolds } from '../../../src/application';
import { JanusMediaGateway } from '../../../src/adapters/janus/janus-media-gateway';
import { KurentoMediaGateway } from '../../../src/adapters/kurento/kurento-media-gateway';
import { InMemoryRoomStateStore } from '../../../src/adapters/memory/in-memory-room-state-store';
import { MeshMediaGateway } from '../../../src/adapters/mesh/mesh-media-gateway';
import { RedisRoomStateStore } from '../../../src/adapters/redis/redis-room-state-store';
import { loadConfig } from '../../../src/config';
import { buildContainer, Ids } from '../../../src/container';
import { stopNodeParts } from '../../../src/composition/lifecycle';

jest.setTimeout(60_000);

// Nothing listens on port 1: the backends are built, never reached, and stopped again.
const BACKENDS = {
  mesh: {},
  kurento: { KURENTO_URL: 'ws://127.0.0.1:1/kurento' },
  janus: { JANUS_URL: 'ws://127.0.0.1:1' },
} as const;
const STORES = { memory: {}, redis: { REDIS_URL: 'redis://127.0.0.1:1' } } as const;
const logger = pino({ level: 'silent' });

const build = (env: Record<string, string>): Container =>
  buildContainer(loadConfig({ PORT: '0', HOST: '127.0.0.1', NODE_ID: 'composition-test', ...env }), logger);

/** Every root the node asks for, which between them reach every binding the configuration needs. */
const resolveRoots = (container: Container): void => {
  container.get(Ids.HttpFront);
  if (container.isBound(Ids.MetricsFront)) container.get(Ids.MetricsFront);
  container.getAll(Ids.LifecycleParts);
  const useCases: ServiceIdentifier<object>[] = [JoinRoom, ResumeSession, LeaveRoom, AddIceCandidate, DrainNode, RelayMediaEvents, RoomHolds, ReportLostRoom, AdminModeration];
  for (const useCase of useCases) container.get(useCase);
};

describe('the container loads the modules the configuration selects', () => {
  it.each(Object.keys(BACKENDS) as (keyof typeof BACKENDS)[])('MEDIA_BACKEND=%s: the media module of that backend, and only it', async (backend) => {
    const container = build({ MEDIA_BACKEND: backend, ...BACKENDS[backend] });
    const built = container.get(Ids.MediaBackend);
    const expected = { mesh: MeshMediaGateway, kurento: KurentoMediaGateway, janus: JanusMediaGateway }[backend];
    expect(built).toBeInstanceOf(expected);
    for (const other of [MeshMediaGateway, KurentoMediaGateway, JanusMediaGateway].filter((t) => t !== expected)) {
      expect(built).not.toBeInstanceOf(other);
    }
    // The core sees the same gateway, timed for the metrics.
    expect(container.get(Ids.MediaGateway)).not.toBe(built);
    expect(container.get(Ids.MediaGateway).capabilities()).toEqual(built.capabilities());
    await built.shutdown();
  });

  it('STATE_STORE picks the store module: memory or redis', async () => {
    const memory = build({});
    expect(memory.get(Ids.StateBackend).store).toBeInstanceOf(InMemoryRoomStateStore);
    const redis = build({ STATE_STORE: 'redis', ...STORES.redis });
    expect(redis.get(Ids.StateBackend).store).toBeInstanceOf(RedisRoomStateStore);
    expect(redis.get(Ids.StateBackend).redis).toBeDefined();
    await redis.get(Ids.RoomStateStore).shutdown();
  });

  const combinations = (Object.keys(BACKENDS) as (keyof typeof BACKENDS)[]).flatMap((media) =>
    (Object.keys(STORES) as (keyof typeof STORES)[]).flatMap((store) =>
      [false, true].map((extras) => ({ media, store, extras })),
    ),
  );
  it.each(combinations)('media $media, store $store, presence/jwt/admin/metrics port $extras: every binding resolves', async ({ media, store, extras }) => {
    const container = build({
      MEDIA_BACKEND: media,
      ...BACKENDS[media],
      STATE_STORE: store,
      ...STORES[store],
      ...(extras
        ? { PRESENCE_TCP: '127.0.0.1:1', AUTH: 'jwt', AUTH_JWT_SECRET: 'a-secret-of-at-least-thirty-two-bytes-long!!', ADMIN_TOKEN: 'an-admin-token-of-some-length', METRICS_PORT: '0' }
        : {}),
    });
    expect(() => resolveRoots(container)).not.toThrow();
    expect(container.isBound(Ids.MetricsFront)).toBe(extras);
    // Stopped as a node stops: nothing it built may be left running.
    await stopNodeParts(container, 1_000);
  });
});
