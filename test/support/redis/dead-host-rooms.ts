import type { DepartedRoom, MemberRecord } from '../../../src/application';
import { fenceTtl, RedisKeys, RedisRoomStateStore, registryTtl, RoomLeases, type RedisConnection } from '../../../src/adapters/redis';
import { CLAIM_ROOM_SCRIPT } from '../../../src/adapters/redis/room-scripts';
import { RecordingLogger } from '../fakes/recording-logger';
import { startTestNode, type TestNode } from './redis-node-harness';
import type { RedisNodeScope } from './redis-node-scope';

/** How long a resumable member's seat is held after its host is gone, in these tests. */
export const GRACE_MS = 2_000;
export const TIMING = { heartbeatMs: 100, expiryMs: 500 };
/** For a test that must act between a lease's lapse and its record's expiry: a wider window. */
export const SLOW = { heartbeatMs: 300, expiryMs: 1_500 };

export const seated = (userId: string, proof: string): MemberRecord => ({
  userId,
  connectionId: `conn-${userId}`,
  audio: true,
  video: true,
  joinedAt: Date.now(),
  seat: { proof },
});
export const plain = (userId: string): MemberRecord => ({ userId, connectionId: `conn-${userId}`, audio: true, video: true, joinedAt: Date.now() });

/** "room:user,user" for a report of members gone, as the tests compare them. */
export const reportLine = ({ record }: DepartedRoom): string => `${record.roomId}:${record.members.map((m) => m.userId).join(',')}`;

/**
 * Rooms a node held and then died with, on the scope's Redis (held-seats, lost-first-writes): alice and
 * bob resumable, carol not. Nodes started here are closed by the scope.
 */
export const deadHostRooms = (scope: RedisNodeScope) => {
  const start = async (nodeId: string, timing = TIMING): Promise<TestNode> => {
    const node = await startTestNode({ url: scope.redis.url }, { nodeId, prefix: scope.prefix, ...timing });
    scope.nodes.push(node);
    return node;
  };

  /** Reports of members gone, from these nodes' reapers. */
  const reports = (...live: TestNode[]): string[] => {
    const seen: string[] = [];
    for (const node of live) node.registry.onRoomReaped((room) => seen.push(reportLine(room)));
    return seen;
  };

  const roomOnDyingNode = async (roomId: string, timing = TIMING): Promise<TestNode> => {
    const dying = await start('node-dead', timing);
    const header = { roomId, communityId: '1', resumeGraceMs: GRACE_MS };
    await dying.store.recordJoin(header, seated('alice', 'proof-alice'));
    await dying.store.recordJoin(header, seated('bob', 'proof-bob'));
    await dying.store.recordJoin(header, plain('carol'));
    await dying.registry.beat();
    await dying.close({ deregister: false });
    return dying;
  };

  const memberIds = async (roomId: string): Promise<string[]> => [...((await scope.inspector.room(roomId))?.members.keys() ?? [])].sort();
  const metaKey = (roomId: string): string => new RedisKeys(scope.prefix).roomKeyList(roomId)[0]!;
  const orphansKey = (): string => `${scope.prefix}{nodes}:orphans`;

  return { start, reports, roomOnDyingNode, memberIds, metaKey, orphansKey };
};

/** A store of `nodeId` on `connection`, with its leases at hand, for a test that claims rooms by hand. */
export const storeWithLeases = (connection: RedisConnection, prefix: string, nodeId: string, timing: { heartbeatMs: number; expiryMs: number }) => {
  const keys = new RedisKeys(prefix);
  const leases = new RoomLeases({ leaseMs: timing.expiryMs, heartbeatMs: timing.heartbeatMs });
  const store = new RedisRoomStateStore({
    connection,
    keys,
    nodeId,
    roomTtlMs: timing.expiryMs,
    fenceTtlMs: fenceTtl(timing.expiryMs),
    indexTtlMs: registryTtl(timing.expiryMs),
    leases,
    logger: new RecordingLogger(),
  });
  /** The claim a join or resume makes first (RedisRoomPlacement.claim): the store's writes are fenced by its lease. */
  const claim = async (roomId: string): Promise<string> => {
    const [holder, epoch] = (await connection.call('claim', (client) =>
      CLAIM_ROOM_SCRIPT.run(client, keys.roomKeyList(roomId), ['', nodeId, timing.expiryMs, timing.expiryMs]),
    )) as string[];
    expect(holder).toBe(nodeId);
    leases.grant(roomId, epoch!, leases.clock());
    return epoch!;
  };
  return { keys, leases, store, claim };
};
