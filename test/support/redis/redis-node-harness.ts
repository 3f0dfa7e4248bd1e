import { randomUUID } from 'node:crypto';
import type { RoomRecord } from '../../../src/application';
import {
  RedisConnection,
  RedisKeys,
  RedisNodeRegistry,
  RedisRoomPlacement,
  RedisRoomStateStore,
  type ClusterSeed,
} from '../../../src/adapters/redis';
import { RecordingLogger } from './silent-logger';

export interface RedisTarget {
  readonly url?: string;
  readonly clusterNodes?: readonly ClusterSeed[];
}

export interface TestNodeOptions {
  readonly nodeId: string;
  readonly prefix: string;
  readonly heartbeatMs?: number;
  readonly expiryMs?: number;
  readonly commandTimeoutMs?: number;
  /** Defaults to expiryMs, as the server wires it. */
  readonly roomTtlMs?: number;
  load?: number;
  /** The rooms this node holds in memory (what its RoomRegistry would say). */
  rooms?: RoomRecord[];
}

/** One signaling node's Redis side (connection, store, registry, placement), as the server wires it. */
export interface TestNode {
  readonly nodeId: string;
  readonly url: string;
  readonly logger: RecordingLogger;
  readonly connection: RedisConnection;
  readonly store: RedisRoomStateStore;
  readonly registry: RedisNodeRegistry;
  readonly placement: RedisRoomPlacement;
  readonly state: { load: number; rooms: RoomRecord[] };
  close(options?: { deregister?: boolean }): Promise<void>;
}

export const uniquePrefix = (): string => `t${randomUUID().slice(0, 8)}:`;

export const startTestNode = async (target: RedisTarget, options: TestNodeOptions): Promise<TestNode> => {
  const logger = new RecordingLogger();
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  const expiryMs = options.expiryMs ?? 15_000;
  const state = { load: options.load ?? 0, rooms: options.rooms ?? [] };
  const connection = new RedisConnection(
    {
      ...(target.url !== undefined ? { url: target.url } : {}),
      ...(target.clusterNodes !== undefined ? { clusterNodes: target.clusterNodes } : {}),
      commandTimeoutMs: options.commandTimeoutMs ?? 1_000,
      connectTimeoutMs: 1_000,
    },
    logger,
  );
  const keys = new RedisKeys(options.prefix);
  const store = new RedisRoomStateStore({
    connection,
    keys,
    nodeId: options.nodeId,
    roomTtlMs: options.roomTtlMs ?? expiryMs,
    snapshot: () => state.rooms,
    logger,
  });
  const url = `ws://127.0.0.1/${options.nodeId}`;
  const registry = new RedisNodeRegistry({
    connection,
    keys,
    nodeId: options.nodeId,
    publicUrl: url,
    load: () => state.load,
    rooms: store,
    heartbeatMs,
    expiryMs,
    logger,
  });
  const placement = new RedisRoomPlacement({ connection, keys, nodes: registry, claimTtlMs: expiryMs, logger });
  if (!(await connection.open(5_000))) {
    await connection.close();
    throw new Error('test node could not connect to Redis');
  }
  await registry.start();
  return {
    nodeId: options.nodeId,
    url,
    logger,
    connection,
    store,
    registry,
    placement,
    state,
    async close(closeOptions = {}) {
      await registry.stop(closeOptions);
      await store.shutdown();
      await connection.close();
    },
  };
};

/** Polls until `check` passes or the time is up; returns how long it took. */
export const eventually = async (check: () => Promise<boolean> | boolean, timeoutMs: number, stepMs = 50): Promise<number> => {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
};
