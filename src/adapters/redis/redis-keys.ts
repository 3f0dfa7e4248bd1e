import type { RoomId } from '../../domain';
import { assertKeyPrefix } from './redis-settings';

export interface RoomKeys {
  /** HASH communityId, nodeId, mediaRef. */
  readonly meta: string;
  /** HASH `conn:<user>`, `media:<user>`, `joined:<user>` per member. */
  readonly members: string;
  /** STRING: the node that holds the room's lease (a placement claim, then the host's hold); expires unless renewed. */
  readonly host: string;
  /**
   * HASH `epoch` (the lease's generation: it only grows, and every write names the one it holds) and
   * `stamp` (the last presence time issued for the room). Outlives the lease, so a node back from a pause
   * can tell that someone held the room after it.
   */
  readonly fence: string;
}

export interface NodeKeys {
  /** SET of every node id that registered and was not reaped yet. */
  readonly all: string;
  /** HASH node id → public WebSocket URL. */
  readonly urls: string;
  /** HASH node id → load (participants) as of its last heartbeat; a draining node writes DRAINING_LOAD. */
  readonly loads: string;
  /** HASH node id → rooms it hosted at its last heartbeat: with `loads`, one snapshot to average rooms from. */
  readonly roomCounts: string;
  /** STRING (the node's URL) that expires unless the node's heartbeat renews it. */
  alive(nodeId: string): string;
  /** SET: ids of the rooms the node hosts, rewritten by each of its heartbeats. */
  rooms(nodeId: string): string;
  /** ZSET room id → expiry (ms): rooms placed on the node that it does not host yet; counted as load. */
  claims(nodeId: string): string;
  /** STRING: held by the node reaping `nodeId`, so a dead node is reaped by one node at a time. */
  reapLock(nodeId: string): string;
  /**
   * ZSET room id → when its next held seat runs out (Redis ms): rooms whose host is gone but whose record
   * still holds seats for resumable members. Every node revisits the due ones at its heartbeat.
   */
  readonly orphans: string;
}

/**
 * A room id as it appears inside its hash tag. Redis Cluster hashes the text between the first `{` and the
 * first `}` after it, so a `}` in an id would end the tag early (room `a}b` would hash as room `a`, and
 * every id starting `a}` would crowd into that one slot) and a `{` would confuse readers. Percent-encoding
 * `%`, `{` and `}` makes the tag always the whole id and keeps the encoding one-to-one; every other
 * character, Unicode included, is kept as is, so ids valid before this rule keep their keys.
 */
export const encodeRoomTag = (roomId: RoomId): string => roomId.replace(/[%{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The room id a tag was made from (inverse of encodeRoomTag). */
export const decodeRoomTag = (tag: string): RoomId => tag.replace(/%(25|7B|7D)/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

/**
 * The key schema. Every key of one room carries the hash tag `{room:<encoded id>}`, so a room's scripts touch one
 * cluster slot. Every node-level key carries `{nodes}`, so the registry's scripts touch one (other) slot.
 */
export class RedisKeys {
  readonly nodes: NodeKeys;

  constructor(readonly prefix: string) {
    assertKeyPrefix(prefix);
    const n = `${prefix}{nodes}:`;
    this.nodes = {
      all: `${n}all`,
      urls: `${n}urls`,
      loads: `${n}loads`,
      roomCounts: `${n}roomcounts`,
      alive: (nodeId) => `${n}alive:${nodeId}`,
      rooms: (nodeId) => `${n}rooms:${nodeId}`,
      claims: (nodeId) => `${n}claims:${nodeId}`,
      reapLock: (nodeId) => `${n}reaping:${nodeId}`,
      orphans: `${n}orphans`,
    };
  }

  room(roomId: RoomId): RoomKeys {
    const r = `${this.prefix}{room:${encodeRoomTag(roomId)}}:`;
    return { meta: `${r}meta`, members: `${r}members`, host: `${r}host`, fence: `${r}fence` };
  }

  /** In the order the room scripts expect them as KEYS[1..4]. */
  roomKeyList(roomId: RoomId): [string, string, string, string] {
    const k = this.room(roomId);
    return [k.meta, k.members, k.host, k.fence];
  }
}
