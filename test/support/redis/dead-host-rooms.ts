import type { DepartedRoom, MemberRecord } from '../../../src/application';
import { RedisKeys } from '../../../src/adapters/redis';
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
