import type { ConnectionId, MediaState, RoomId, UserId } from '../../domain';
import type { Logger, MemberRecord, RoomHeader, RoomRecord, RoomStateStore } from '../../application';
import type { RedisConnection } from './redis-connection';
import type { RedisKeys } from './redis-keys';
import { REPLACE_SET_SCRIPT } from './node-scripts';
import {
  JOIN_SCRIPT,
  LEAVE_SCRIPT,
  MEDIA_STATE_SCRIPT,
  READ_ROOM_SCRIPT,
  REAP_ROOM_SCRIPT,
  REASSERT_ROOM_SCRIPT,
  REFRESH_ROOM_SCRIPT,
} from './room-scripts';
import { asInteger, asStringList, decodeRoom, encodeMedia, mediaRefArgs, memberArgs } from './room-record-codec';

export interface RedisRoomStateStoreOptions {
  readonly connection: RedisConnection;
  readonly keys: RedisKeys;
  /** This node; recorded as the host of every room it writes. */
  readonly nodeId: string;
  /** Lifetime of a room's keys; this node's heartbeat extends it (see refreshHostedRooms). */
  readonly roomTtlMs: number;
  /** The rooms this node really holds, from its RoomRegistry; written back whenever Redis (re)connects. */
  readonly snapshot: () => readonly RoomRecord[];
  readonly logger: Logger;
}

/** What the node registry's heartbeat needs from the store. */
export interface HostedRooms {
  hostedRoomIds(): readonly RoomId[];
  /** Extends the TTL of this node's room keys and rewrites any that went missing. */
  refreshHostedRooms(): Promise<void>;
}

/**
 * The shared room record in Redis. Each join, leave and media-state change is one Lua script on the
 * room's keys (one hash slot): one atomic step, one round trip. The node's room index lives in another
 * slot; it is written alongside the first join of a room (in parallel, same round trip) and rewritten
 * by every heartbeat, so it is derived data that repairs itself.
 */
export class RedisRoomStateStore implements RoomStateStore, HostedRooms {
  private readonly connection: RedisConnection;
  private readonly keys: RedisKeys;
  private readonly nodeId: string;
  /** Rooms this store wrote as hosted here and not closed since. */
  private hosted = new Set<RoomId>();
  /** Joins sent but not answered: the registry does not know these members yet, Redis may already. */
  private readonly joinsInFlight = new Map<RoomId, Map<UserId, { header: RoomHeader; member: MemberRecord }>>();
  private readonly background = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly options: RedisRoomStateStoreOptions) {
    this.connection = options.connection;
    this.keys = options.keys;
    this.nodeId = options.nodeId;
    this.connection.onConnected(() => this.reassert());
  }

  async recordJoin(room: RoomHeader, member: MemberRecord): Promise<void> {
    const roomId = room.roomId;
    const firstHere = !this.hosted.has(roomId);
    // Added before sending, in the same tick: a heartbeat built after this line lists the room.
    this.hosted.add(roomId);
    const pending = this.joinsInFlight.get(roomId) ?? new Map<UserId, { header: RoomHeader; member: MemberRecord }>();
    pending.set(member.userId, { header: room, member });
    this.joinsInFlight.set(roomId, pending);
    try {
      const steps: Promise<unknown>[] = [
        this.connection.call('recordJoin', (client) =>
          JOIN_SCRIPT.run(client, this.keys.roomKeyList(roomId), [
            this.nodeId,
            this.options.roomTtlMs,
            room.communityId,
            ...mediaRefArgs(room),
            ...memberArgs(member),
          ]),
        ),
      ];
      if (firstHere) {
        steps.push(this.connection.call('recordJoin/index', (client) => client.sadd(this.keys.nodes.rooms(this.nodeId), roomId)));
      }
      await Promise.all(steps);
    } finally {
      if (pending.get(member.userId)?.member === member) pending.delete(member.userId);
      if (pending.size === 0 && this.joinsInFlight.get(roomId) === pending) this.joinsInFlight.delete(roomId);
    }
  }

  async recordLeave(roomId: RoomId, userId: UserId, connectionId: ConnectionId): Promise<void> {
    const outcome = asInteger(
      await this.connection.call('recordLeave', (client) =>
        LEAVE_SCRIPT.run(client, this.keys.roomKeyList(roomId), [userId, connectionId]),
      ),
    );
    if (outcome === 2) this.forgetHosted(roomId);
  }

  async recordMediaState(roomId: RoomId, userId: UserId, state: MediaState): Promise<void> {
    await this.connection.call('recordMediaState', (client) =>
      MEDIA_STATE_SCRIPT.run(client, this.keys.roomKeyList(roomId), [userId, encodeMedia(state)]),
    );
  }

  async recordRoomClosed(roomId: RoomId): Promise<void> {
    this.hosted.delete(roomId);
    const room = this.keys.room(roomId);
    await Promise.all([
      this.connection.call('recordRoomClosed', (client) => client.del(room.meta, room.members)),
      this.connection.call('recordRoomClosed/index', (client) => client.srem(this.keys.nodes.rooms(this.nodeId), roomId)),
    ]);
  }

  async getRoom(roomId: RoomId): Promise<RoomRecord | undefined> {
    const reply = await this.connection.call('getRoom', (client) =>
      READ_ROOM_SCRIPT.run(client, this.keys.roomKeyList(roomId), []),
    );
    return decodeRoom(roomId, reply);
  }

  /** Every recorded room of every registered node (and this one's, registered or not). */
  async listRooms(): Promise<readonly RoomRecord[]> {
    const nodes = new Set(
      asStringList(await this.connection.call('listRooms/nodes', (client) => client.smembers(this.keys.nodes.all))),
    );
    nodes.add(this.nodeId);
    const indexed = asStringList(
      await this.connection.call('listRooms/index', (client) =>
        client.sunion(...[...nodes].map((node) => this.keys.nodes.rooms(node))),
      ),
    );
    const roomIds = [...new Set([...indexed, ...this.hosted])];
    const rooms = await Promise.all(roomIds.map((roomId) => this.getRoom(roomId)));
    // The index may still name a room whose last member just left; the record is the truth.
    return rooms.filter((room): room is RoomRecord => room !== undefined);
  }

  isAvailable(): boolean {
    return this.connection.isAvailable();
  }

  /** Waits for background index updates; the connection is shared and closed by its owner. */
  async shutdown(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.background]);
  }

  hostedRoomIds(): readonly RoomId[] {
    return [...this.hosted];
  }

  async refreshHostedRooms(): Promise<void> {
    const roomIds = [...this.hosted];
    const outcomes = await Promise.all(
      roomIds.map((roomId) =>
        this.connection.call('refreshRoom', (client) =>
          REFRESH_ROOM_SCRIPT.run(client, this.keys.roomKeyList(roomId), [this.nodeId, this.options.roomTtlMs]),
        ),
      ),
    );
    const missing: RoomId[] = [];
    outcomes.forEach((reply, i) => {
      const roomId = roomIds[i];
      if (roomId === undefined) return;
      const outcome = asInteger(reply);
      if (outcome === 0) missing.push(roomId);
      if (outcome === -1) {
        this.hosted.delete(roomId);
        this.options.logger.warn({ roomId, nodeId: this.nodeId }, 'another node now records this room as its own');
      }
    });
    // A room this node still holds but Redis lost (keys expired during a partition, a failed-over shard).
    if (missing.length > 0) await this.reassert(new Set(missing));
  }

  /**
   * Rewrites this node's rooms and members as the node holds them: after Redis restarted empty, or after
   * an outage during which leaves and closes could not be recorded. All commands leave in one tick, so a
   * join sent later reaches Redis after the rewrite and is not undone by it.
   */
  async reassert(only?: ReadonlySet<RoomId>): Promise<void> {
    if (this.closed) return;
    const records = this.currentRooms().filter((room) => !only || only.has(room.roomId));
    const live = new Set(records.map((room) => room.roomId));
    const stale = only ? [...only].filter((roomId) => !live.has(roomId)) : [...this.hosted].filter((roomId) => !live.has(roomId));
    if (!only) this.hosted = new Set(live);
    else for (const roomId of stale) this.hosted.delete(roomId);

    const rewrites = records.map((room) =>
      this.connection.call('reassert', (client) =>
        REASSERT_ROOM_SCRIPT.run(client, this.keys.roomKeyList(room.roomId), [
          this.nodeId,
          this.options.roomTtlMs,
          room.communityId,
          ...mediaRefArgs(room),
          ...room.members.flatMap(memberArgs),
        ]),
      ),
    );
    const removals = stale.map((roomId) =>
      this.connection.call('reassert/drop', (client) => REAP_ROOM_SCRIPT.run(client, this.keys.roomKeyList(roomId), [this.nodeId])),
    );
    const index = only
      ? []
      : [
          this.connection.call('reassert/index', (client) =>
            REPLACE_SET_SCRIPT.run(client, [this.keys.nodes.rooms(this.nodeId)], [this.options.roomTtlMs * 4, ...live]),
          ),
        ];
    const rewritten = await Promise.allSettled(rewrites);
    const others = await Promise.allSettled([...removals, ...index]);
    const failures = [...rewritten, ...others].filter((r) => r.status === 'rejected').length;
    const conflicts: RoomId[] = [];
    rewritten.forEach((result, i) => {
      const roomId = records[i]?.roomId;
      if (roomId !== undefined && result.status === 'fulfilled' && asInteger(result.value) === 0) {
        conflicts.push(roomId);
        this.hosted.delete(roomId);
      }
    });
    if (conflicts.length > 0) {
      this.options.logger.warn({ nodeId: this.nodeId, rooms: conflicts }, 'rooms held here were claimed by another node while Redis was unreachable');
    }
    this.options.logger.info(
      { nodeId: this.nodeId, rooms: records.length, dropped: stale.length, conflicts: conflicts.length, failures },
      'state re-asserted in Redis',
    );
  }

  /** The node's rooms plus members whose join is still on its way: the registry does not list them yet. */
  private currentRooms(): RoomRecord[] {
    const byId = new Map<RoomId, RoomRecord>();
    for (const room of this.options.snapshot()) if (room.members.length > 0) byId.set(room.roomId, room);
    for (const [roomId, joins] of this.joinsInFlight) {
      for (const { header, member } of joins.values()) {
        const room = byId.get(roomId) ?? { ...header, nodeId: this.nodeId, members: [] };
        const members = [...room.members.filter((m) => m.userId !== member.userId), member];
        byId.set(roomId, { ...room, members });
      }
    }
    return [...byId.values()];
  }

  /** The room emptied; its index entry goes in the background, listRooms already skips it. */
  private forgetHosted(roomId: RoomId): void {
    this.hosted.delete(roomId);
    const task = this.connection
      .call('recordLeave/index', (client) => client.srem(this.keys.nodes.rooms(this.nodeId), roomId))
      .catch((error: unknown) => this.options.logger.debug({ err: error, roomId }, 'room index not updated; the heartbeat rewrites it'))
      .finally(() => this.background.delete(task));
    this.background.add(task);
  }
}
