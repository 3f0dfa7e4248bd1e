import { randomUUID } from 'node:crypto';
import {
  createRedisState,
  fenceTtl,
  RedisKeys,
  RedisRoomStateStore,
  registryTtl,
  RoomLeases,
  type ClusterSeed,
  type RedisConnection,
  type RedisNodeRegistry,
  type RedisRoomPlacement,
} from '../../../src/adapters/redis';

import type { DepartedRoom } from '../../../src/application';
import { RecordingLogger } from '../fakes/recording-logger';

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
  /** A fixed load instead of the participants recorded through the store. */
  load?: number;
  /** Told of records an earlier run of this node id left, from the very first (re)connection on. */
  onStaleRecordDropped?: (room: DepartedRoom) => void;
  /** Told of every room (or held seats) this node's reaper freed, from its very first heartbeat on. */
  onRoomReaped?: (room: DepartedRoom) => void;
}

/** One signaling node's Redis side (connection, store, registry, placement), wired as the server wires it. */
export interface TestNode {
  readonly nodeId: string;
  readonly url: string;
  readonly logger: RecordingLogger;
  readonly connection: RedisConnection;
  readonly store: RedisRoomStateStore;
  readonly registry: RedisNodeRegistry;
  readonly placement: RedisRoomPlacement;
  readonly leases: RoomLeases;
  /** Stops beating; `deregister: false` falls silent like a crashed node. */
  close(options?: { deregister?: boolean }): Promise<void>;
}

export const uniquePrefix = (): string => `t${randomUUID().slice(0, 8)}:`;

export const startTestNode = async (target: RedisTarget, options: TestNodeOptions): Promise<TestNode> => {
  const logger = new RecordingLogger();
  const url = `ws://127.0.0.1/${options.nodeId}`;
  const fixedLoad = options.load;
  const state = createRedisState({
    ...(target.url !== undefined ? { url: target.url } : {}),
    ...(target.clusterNodes !== undefined ? { clusterNodes: target.clusterNodes } : {}),
    keyPrefix: options.prefix,
    commandTimeoutMs: options.commandTimeoutMs ?? 1_000,
    connectTimeoutMs: 1_000,
    heartbeatMs: options.heartbeatMs ?? 5_000,
    expiryMs: options.expiryMs ?? 15_000,
    nodeId: options.nodeId,
    publicUrl: url,
    ...(fixedLoad !== undefined ? { load: () => fixedLoad } : {}),
    logger,
  });
  if (options.onStaleRecordDropped) state.store.onStaleRecordDropped(options.onStaleRecordDropped);
  if (options.onRoomReaped) state.registry.onRoomReaped(options.onRoomReaped);
  await state.start();
  if (!state.connection.isAvailable()) {
    await state.stop();
    throw new Error('test node could not connect to Redis');
  }
  return {
    nodeId: options.nodeId,
    url,
    logger,
    connection: state.connection,
    store: state.store,
    registry: state.registry,
    placement: state.placement,
    leases: state.leases,
    async close(closeOptions = {}) {
      await state.registry.stop(closeOptions);
      await state.store.shutdown();
      await state.connection.close();
    },
  };
};

/**
 * A store on its own, without a registry or placement (no heartbeat): what the store contract tests need.
 * Its leases come from its own first joins, as when a node joins a room nobody held.
 */
export const standaloneStore = (connection: RedisConnection, nodeId: string, options: { prefix?: string; roomTtlMs?: number } = {}): RedisRoomStateStore => {
  const roomTtlMs = options.roomTtlMs ?? 60_000;
  return new RedisRoomStateStore({
    connection,
    keys: new RedisKeys(options.prefix ?? uniquePrefix()),
    nodeId,
    roomTtlMs,
    fenceTtlMs: fenceTtl(roomTtlMs),
    indexTtlMs: registryTtl(roomTtlMs),
    leases: new RoomLeases({ leaseMs: roomTtlMs, heartbeatMs: roomTtlMs / 3 }),
    logger: new RecordingLogger(),
  });
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
