import { SignalingError, type ConnectionId, type MediaState, type RoomId, type UserId } from '../../domain';
import type { Logger, MemberRecord, RoomHeader, RoomRecord, RoomStateStore } from '../../application';
import { FreedRoomListeners } from './freed-room-listeners';
import { LocalRoomMirror } from './local-room-mirror';
import type { RedisConnection } from './redis-connection';
import type { RedisKeys } from './redis-keys';
import { LIVE_NODE_URL_SCRIPT } from './node-scripts';
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
  readonly logger: Logger;
}

/** What the node registry's heartbeat and the placement need from the store. */
export interface HostedRooms {
  hostedRoomIds(): readonly RoomId[];
  /** Whether this node hosts the room now (it has members here and Redis does not name another host). */
  hostsRoom(roomId: RoomId): boolean;
  /** Participants in the rooms this node hosts: its load. */
  readonly participantCount: number;
  /** Extends the TTL of this node's room keys and rewrites any that went missing or may be stale. */
  refreshHostedRooms(): Promise<void>;
}

/**
 * The shared room record in Redis. Each join, leave and media-state change is one Lua script on the
 * room's keys (one hash slot): one atomic step, one round trip. The node's room index lives in another
 * slot; it is written alongside the first join of a room (in parallel, same round trip) and rewritten
 * by every heartbeat, so it is derived data that repairs itself.
 *
 * Every change is also kept in a local mirror, whatever Redis answered. A write that failed or timed out
 * marks its room dirty; the next heartbeat (or the reconnection) rewrites the room from the mirror or
 * removes it, so a write that Redis applied after the caller gave up cannot leave a ghost member.
 */
export class RedisRoomStateStore implements RoomStateStore, HostedRooms {
  private readonly connection: RedisConnection;
  private readonly keys: RedisKeys;
  private readonly nodeId: string;
  private readonly mirror = new LocalRoomMirror();
  /** Rooms whose Redis record may differ from the mirror; the value tells a later failure from an older one. */
  private readonly dirty = new Map<RoomId, number>();
  private dirtyMarks = 0;
  /** Rooms held here that Redis records for another node (a split while Redis was unreachable). */
  private readonly disowned = new Set<RoomId>();
  private closed = false;
  private readonly replaced: FreedRoomListeners;

  constructor(private readonly options: RedisRoomStateStoreOptions) {
    this.connection = options.connection;
    this.keys = options.keys;
    this.nodeId = options.nodeId;
    this.replaced = new FreedRoomListeners(options.logger, 'replaced by a join');
    this.connection.onConnected(() => this.reassert());
  }

  async recordJoin(room: RoomHeader, member: MemberRecord): Promise<void> {
    const roomId = room.roomId;
    const firstHere = !this.mirror.has(roomId);
    // In the mirror before sending, in the same tick: a heartbeat or re-assertion built after this line
    // includes the member, and Redis receives it after this join.
    this.mirror.join(room, member);
    let reply: unknown;
    try {
      const [joined] = await Promise.all([
        this.connection.call('recordJoin', (client) =>
          JOIN_SCRIPT.run(client, this.keys.roomKeyList(roomId), [
            this.nodeId,
            this.options.roomTtlMs,
            room.communityId,
            ...mediaRefArgs(room),
            ...memberArgs(member),
          ]),
        ),
        firstHere ? this.indexRoom(roomId) : undefined,
      ]);
      reply = joined;
    } catch (error) {
      this.mirror.leave(roomId, member.userId, member.connectionId);
      this.markDirty(roomId);
      throw error;
    }
    if (Array.isArray(reply) && asInteger(reply[0]) === -1) {
      // Refused: another node holds the room's claim. Nothing was written.
      this.mirror.leave(roomId, member.userId, member.connectionId);
      const host: unknown = reply[1];
      throw await this.redirectTo(roomId, typeof host === 'string' ? host : '');
    }
    if (Array.isArray(reply)) {
      // Joined, replacing the record a dead host left behind: its members are gone with that host.
      const replaced = decodeRoom(roomId, reply.slice(1));
      if (replaced && replaced.members.length > 0) this.replaced.tell(replaced);
    }
  }

  /** Called with the record of a dead host that a join here replaced (taking the room over before any reaper). */
  onRoomReplaced(listener: (room: RoomRecord) => void): void {
    this.replaced.add(listener);
  }

  async recordLeave(roomId: RoomId, userId: UserId, connectionId: ConnectionId): Promise<void> {
    this.mirror.leave(roomId, userId, connectionId);
    await this.write(roomId, 'recordLeave', (client) =>
      LEAVE_SCRIPT.run(client, this.keys.roomKeyList(roomId), [userId, connectionId]),
    );
  }

  async recordMediaState(roomId: RoomId, userId: UserId, state: MediaState): Promise<void> {
    this.mirror.setMediaState(roomId, userId, state);
    await this.write(roomId, 'recordMediaState', (client) =>
      MEDIA_STATE_SCRIPT.run(client, this.keys.roomKeyList(roomId), [userId, encodeMedia(state)]),
    );
  }

  /** Removes the room only while Redis records it as this node's: never another node's room of that id. */
  async recordRoomClosed(roomId: RoomId): Promise<void> {
    this.mirror.close(roomId);
    this.disowned.delete(roomId);
    const [removed] = await Promise.allSettled([
      this.write(roomId, 'recordRoomClosed', (client) => REAP_ROOM_SCRIPT.run(client, this.keys.roomKeyList(roomId), [this.nodeId])),
      // The heartbeat rewrites the index; a missed removal here costs nothing lasting.
      this.connection
        .call('recordRoomClosed/index', (client) => client.srem(this.keys.nodes.rooms(this.nodeId), roomId))
        .catch(() => undefined),
    ]);
    if (removed.status === 'rejected') throw removed.reason;
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
    const roomIds = [...new Set([...indexed, ...this.hostedRoomIds()])];
    const rooms = await Promise.all(roomIds.map((roomId) => this.getRoom(roomId)));
    // The index may still name a room whose last member just left; the record is the truth.
    return rooms.filter((room): room is RoomRecord => room !== undefined);
  }

  isAvailable(): boolean {
    return this.connection.isAvailable();
  }

  /** The connection is shared and closed by its owner; nothing is re-asserted after this. */
  async shutdown(): Promise<void> {
    this.closed = true;
  }

  hostedRoomIds(): readonly RoomId[] {
    return this.mirror.roomIds().filter((roomId) => !this.disowned.has(roomId));
  }

  hostsRoom(roomId: RoomId): boolean {
    return this.mirror.has(roomId) && !this.disowned.has(roomId);
  }

  get participantCount(): number {
    return this.mirror.participantCount;
  }

  async refreshHostedRooms(): Promise<void> {
    if (this.dirty.size > 0) await this.repair([...this.dirty.keys()]);
    const roomIds = this.hostedRoomIds();
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
      if (outcome === -1) this.disown([roomId]);
    });
    // A room this node still holds but Redis lost (keys expired during a partition, a failed-over shard).
    if (missing.length > 0) await this.repair(missing);
  }

  /**
   * Rewrites this node's rooms and members as the node holds them, after every (re)connection: Redis may
   * have restarted empty, or missed the leaves and closes of an outage. Rooms its index still lists
   * that it no longer holds (closed during the outage, or left by an earlier run of this node id) go.
   */
  async reassert(): Promise<void> {
    if (this.closed) return;
    const indexed = asStringList(
      await this.connection.call('reassert/index', (client) => client.smembers(this.keys.nodes.rooms(this.nodeId))),
    );
    const roomIds = new Set([...this.mirror.roomIds(), ...indexed, ...this.dirty.keys()]);
    const outcome = await this.repair([...roomIds].filter((roomId) => !this.disowned.has(roomId)));
    this.options.logger.info({ nodeId: this.nodeId, ...outcome }, 'state re-asserted in Redis');
  }

  /** Makes Redis match the mirror for these rooms: rewritten when held here, removed (if still ours) when not. */
  private async repair(roomIds: readonly RoomId[]): Promise<{ rooms: number; dropped: number; conflicts: number; failures: number }> {
    const marks = new Map(roomIds.map((roomId) => [roomId, this.dirty.get(roomId)]));
    const results = await Promise.allSettled(
      roomIds.map(async (roomId) => {
        const room = this.mirror.record(roomId, this.nodeId);
        if (!room) {
          await this.connection.call('repair/drop', (client) =>
            REAP_ROOM_SCRIPT.run(client, this.keys.roomKeyList(roomId), [this.nodeId]),
          );
          return 'dropped' as const;
        }
        const written = await this.connection.call('repair/rewrite', (client) =>
          REASSERT_ROOM_SCRIPT.run(client, this.keys.roomKeyList(roomId), [
            this.nodeId,
            this.options.roomTtlMs,
            room.communityId,
            ...mediaRefArgs(room),
            ...room.members.flatMap(memberArgs),
          ]),
        );
        return asInteger(written) === 1 ? ('rewritten' as const) : ('conflict' as const);
      }),
    );
    const count = { rooms: 0, dropped: 0, conflicts: 0, failures: 0 };
    const conflicts: RoomId[] = [];
    results.forEach((result, i) => {
      const roomId = roomIds[i];
      if (roomId === undefined) return;
      if (result.status === 'rejected') {
        count.failures += 1;
        return;
      }
      // Only a mark older than this repair is cleared; a write that failed meanwhile keeps the room dirty.
      if (this.dirty.get(roomId) === marks.get(roomId)) this.dirty.delete(roomId);
      if (result.value === 'rewritten') count.rooms += 1;
      if (result.value === 'dropped') count.dropped += 1;
      if (result.value === 'conflict') conflicts.push(roomId);
    });
    count.conflicts = conflicts.length;
    this.disown(conflicts);
    return count;
  }

  private disown(roomIds: readonly RoomId[]): void {
    if (roomIds.length === 0) return;
    for (const roomId of roomIds) this.disowned.add(roomId);
    this.options.logger.warn(
      { nodeId: this.nodeId, rooms: roomIds },
      'rooms held here are recorded for another node (claimed while this node could not reach Redis); new joins go there',
    );
  }

  /** A write whose failure leaves the room dirty (Redis may or may not have applied it). */
  private async write(roomId: RoomId, operation: string, work: Parameters<RedisConnection['call']>[1]): Promise<unknown> {
    try {
      return await this.connection.call(operation, work);
    } catch (error) {
      this.markDirty(roomId);
      throw error;
    }
  }

  private markDirty(roomId: RoomId): void {
    this.dirtyMarks += 1;
    this.dirty.set(roomId, this.dirtyMarks);
  }

  private indexRoom(roomId: RoomId): Promise<unknown> {
    // The heartbeat rewrites the index; a failure here must not fail the join.
    return this.connection
      .call('recordJoin/index', (client) => client.sadd(this.keys.nodes.rooms(this.nodeId), roomId))
      .catch(() => undefined);
  }

  private async redirectTo(roomId: RoomId, host: string): Promise<SignalingError> {
    const url = await this.connection
      .call('recordJoin/host', (client) => LIVE_NODE_URL_SCRIPT.run(client, [this.keys.nodes.alive(host), this.keys.nodes.urls], [host]))
      .catch(() => undefined);
    if (typeof url === 'string') {
      return new SignalingError('wrongNode', `room ${roomId} is hosted by node ${host}`, { nodeId: host, nodeUrl: url });
    }
    return new SignalingError('stateStoreUnavailable', `room ${roomId} is moving to another node; try again`);
  }
}
