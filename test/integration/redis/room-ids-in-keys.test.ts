import { Cluster } from 'ioredis';
import { decodeRoomTag, encodeRoomTag } from '../../../src/adapters/redis/redis-keys';
import { startRedisCluster, type RedisClusterFixture } from '../../support/redis-fixture';
import { uniquePrefix } from '../../support/redis/redis-node-harness';
import { SignalingClient } from '../../support/signaling-client';
import { startTestServer } from '../../support/start-server';
import type { RunningNode } from '../../../src/start-node';

jest.setTimeout(60_000);

/**
 * The seed's clients use typed text as room and user ids. Every id, braces and Unicode included, must keep
 * all its keys under one hash tag that is the whole id: a `}` in an id would otherwise end the tag early,
 * put the room in another room's slot, and crowd every id with the same start into one slot.
 */
const ROOM_IDS = ['김희동', 'heedong kim', '회의실', 'test room', "o'brien", 'a', 'a}b', 'a}c', '}{', '{room:a}', 'x{y}z', '50%7D', '50}'];

/** The hash tag Redis Cluster computes for a key: the text between the first `{` and the next `}`. */
const hashTagOf = (key: string): string | undefined => {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : undefined;
};

describe('room ids with braces and Unicode on a 3-master Redis Cluster', () => {
  let cluster: RedisClusterFixture;
  let node: RunningNode;
  let redis: Cluster;
  const prefix = uniquePrefix();
  const clients: SignalingClient[] = [];

  beforeAll(async () => {
    cluster = await startRedisCluster();
    node = await startTestServer({
      STATE_STORE: 'redis',
      REDIS_CLUSTER_NODES: cluster.nodes.map((n) => `${n.host}:${n.port}`).join(','),
      REDIS_KEY_PREFIX: prefix,
    });
    redis = new Cluster(cluster.nodes.map((n) => ({ host: n.host, port: n.port })), { lazyConnect: false });
  });
  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await node?.stop();
    redis?.disconnect();
    await cluster?.stop();
  });

  const roomKeys = async (): Promise<string[]> => {
    const keys: string[] = [];
    for (const master of redis.nodes('master')) {
      let cursor = '0';
      do {
        const [next, found] = await master.scan(cursor, 'MATCH', `${prefix}{room:*`, 'COUNT', 1000);
        cursor = next;
        keys.push(...found);
      } while (cursor !== '0');
    }
    return keys;
  };

  it('every room keeps its keys under a tag that is exactly its own id, in the slot of that tag', async () => {
    for (const [index, roomId] of ROOM_IDS.entries()) {
      const alice = await SignalingClient.connect(node.wsUrl);
      const bob = await SignalingClient.connect(node.wsUrl);
      clients.push(alice, bob);
      expect(await alice.join({ userId: `김희동 ${index}`, roomId })).toMatchObject({ id: 'existingParticipants', roomId, members: [] });
      const second = await bob.join({ userId: `o'brien {${index}}`, roomId });
      expect(second.members).toEqual([{ userId: `김희동 ${index}`, video: true, audio: true }]);
    }

    const keys = await roomKeys();
    const byRoom = new Map<string, string[]>();
    for (const key of keys) {
      const tag = hashTagOf(key);
      expect(tag).toMatch(/^room:/);
      const roomId = decodeRoomTag(tag!.slice('room:'.length));
      byRoom.set(roomId, [...(byRoom.get(roomId) ?? []), key]);
    }
    // Each id has its own tag (none is folded into another's), and every tag names a room that was joined.
    expect([...byRoom.keys()].sort()).toEqual([...ROOM_IDS].sort());
    for (const [roomId, roomKeyList] of byRoom) {
      expect(roomKeyList.length).toBeGreaterThanOrEqual(2);
      const slot = Number(await redis.cluster('KEYSLOT', `room:${encodeRoomTag(roomId)}`));
      for (const key of roomKeyList) expect(Number(await redis.cluster('KEYSLOT', key))).toBe(slot);
    }
    // The members are stored under the room, by their Unicode names.
    const sample = byRoom.get('a}b')!.find((k) => k.endsWith(':members'))!;
    expect(Object.keys(await redis.hgetall(sample))).toEqual(expect.arrayContaining(['conn:김희동 6', "conn:o'brien {6}"]));
  });

  it('the encoding is one-to-one and leaves ids without % { } unchanged', () => {
    const ids = [...ROOM_IDS, '%', '%25', '%7B', '{', '}', 'c-17', 'r-99:x@y=z+1'];
    const tags = ids.map(encodeRoomTag);
    expect(new Set(tags).size).toBe(ids.length);
    for (const tag of tags) expect(tag).not.toMatch(/[{}]/);
    expect(tags.map(decodeRoomTag)).toEqual(ids);
    expect(encodeRoomTag('c-17')).toBe('c-17');
    expect(encodeRoomTag('회의실')).toBe('회의실');
  });
});
