import { SignalingError, type ConnectionId, type MediaState, type RoomId, type UserId } from '../../domain';
import {
  KeyedMutex,
  type DepartedRoom,
  type JoinReceipt,
  type LeaveReceipt,
  type Logger,
  type MemberRecord,
  type ResumeReceipt,
  type RoomHeader,
  type RoomLocation,
  type RoomRecord,
  type RoomStateStore,
  type SeatResume,
} from '../../application';
import { FreedRoomListeners } from './freed-room-listeners';
import { LocalRoomMirror } from './local-room-mirror';
import type { RedisConnection } from './redis-connection';
import type { RedisKeys } from './redis-keys';
import { INDEX_ROOM_SCRIPT, LIVE_NODE_URL_SCRIPT } from './node-scripts';
import { OrphanedRooms, type ReapOutcome } from './orphaned-rooms';
import type { RoomLeases } from './room-leases';
import {
  CLOSE_ROOM_SCRIPT,
  JOIN_SCRIPT,
  LEAVE_SCRIPT,
  MEDIA_STATE_SCRIPT,
  READ_ROOM_SCRIPT,
  REASSERT_ROOM_SCRIPT,
  RECONNECTING_SCRIPT,
  REFRESH_ROOM_SCRIPT,
  RESUME_SCRIPT,
} from './room-scripts';
import { asInteger, asStringList, decodeMembers, decodeRoom, encodeMedia, mediaRefArgs, memberArgs } from './room-record-codec';
import { inSlices } from './sliced-work';
import { departedBesidesJoiner, removedWhatever, type UnsettledWrite } from './unsettled-writes';

export interface RedisRoomStateStoreOptions {
  readonly connection: RedisConnection;
  readonly keys: RedisKeys;
  /** This node; recorded as the host of every room it writes. */
  readonly nodeId: string;
  /** The lease on a room (its host key's TTL); the record lives twice as long. Renewed by the heartbeat. */
  readonly roomTtlMs: number;
  /** How long a room's fence (epoch, presence stamp) outlives its last write. */
  readonly fenceTtlMs: number;
  /** The TTL of this node's room index, as the registry's other keys. */
  readonly indexTtlMs: number;
  readonly leases: RoomLeases;
  readonly logger: Logger;
}

/** What the node registry's heartbeat and the placement need from the store. */
export interface HostedRooms {
  hostedRoomIds(): readonly RoomId[];
  /** Whether this node hosts the room now (it has members here and has not found the room taken). */
  hostsRoom(roomId: RoomId): boolean;
  /** Participants in the rooms this node hosts: its load. */
  readonly participantCount: number;
  /**
   * Renews this node's leases, rewrites records that went missing or may be stale, finds rooms taken;
   * the renewals spread over `spreadMs` (sliced-work.ts), each room at the same place in every run.
   */
  refreshHostedRooms(spreadMs?: number): Promise<void>;
  /** Renews one room's lease now; false when another node holds the room since (it is then marked lost). */
  confirmHold(roomId: RoomId): Promise<boolean>;
  /** Drops this node's lease on a room it holds without members (a claim nobody joined, a failed first join). */
  releaseHold(roomId: RoomId): Promise<void>;
}

/**
 * The writes of a room are fenced here, not decided: placement (RedisRoomPlacement.claim) alone decides
 * which node hosts a room. Each write names the lease epoch this node was given (`fenceArgs`) and the
 * script applies it only while that lease is still the room's, so a node that lost the room can never
 * write to it. FENCED: the epoch is no longer the room's (another node held it since); nothing written.
 * A join's script also answers -1, another live node holds the lease, when this node wrote without an
 * epoch; both become a redirect (`wrongNode`) or, for a room this node served, `roomMoved`. One
 * exception: a first join or resume here fenced by a newer lease of this very node is sent again under
 * that lease (adoptReplacedLease).
 */
const FENCED = -2;
/** A join refused because the record a dead host left holds seats for every place. */
const FULL_OF_HELD_SEATS = -3;
/** A resume refused: no such seat, another proof, or the seat no longer held. */
const SEAT_REFUSED = -4;

type Reply = readonly unknown[];

/**
 * The shared room record in Redis. Each join, leave and media-state change is one Lua script on the
 * room's keys (one hash slot): one atomic step, one round trip, refused when this node's lease on the
 * room is no longer current (see room-scripts.ts). The node's room index lives in another slot; it is
 * written alongside the first join of a room and rewritten by every heartbeat, so it repairs itself.
 *
 * Writes for one room leave this node one at a time, in order, each built when its turn comes: a
 * heartbeat's rewrite of a room can no longer be built from a snapshot taken before a join and land
 * after it (a NOSCRIPT retry used to resend it a round trip late and drop the new member for good).
 *
 * Every change is also kept in a local mirror, whatever Redis answered. A write that failed or timed out
 * marks its room dirty; the next heartbeat (or the reconnection) rewrites the room from the mirror or
 * removes it, so a write that Redis applied after the caller gave up cannot leave a ghost member.
 */
export class RedisRoomStateStore implements RoomStateStore, HostedRooms {
  private readonly connection: RedisConnection;
  private readonly keys: RedisKeys;
  private readonly nodeId: string;
  private readonly leases: RoomLeases;
  private readonly mirror = new LocalRoomMirror();
  private readonly writes = new KeyedMutex<RoomId>();
  /** Rooms whose Redis record may differ from the mirror; the value tells a later failure from an older one. */
  private readonly dirty = new Map<RoomId, number>();
  private dirtyMarks = 0;
  /** The last presence time Redis issued for each room held here, so times issued here without it come later. */
  private readonly stamps = new Map<RoomId, number>();
  private closed = false;
  private readonly dropped: FreedRoomListeners;
  /** Records left with held seats, revisited until those run out. */
  private readonly orphans: OrphanedRooms;
  /** Rooms whose first write here failed without an answer: given up, not deleted, when closed. */
  private readonly unsettled = new Map<RoomId, UnsettledWrite>();

  constructor(private readonly options: RedisRoomStateStoreOptions) {
    this.connection = options.connection;
    this.keys = options.keys;
    this.nodeId = options.nodeId;
    this.leases = options.leases;
    this.dropped = new FreedRoomListeners(options.logger, 'left by an earlier run of this node');
    this.orphans = new OrphanedRooms({ ...options, leaseTtlMs: options.roomTtlMs });
    this.connection.onConnected(() => this.reassert());
  }

  recordJoin(room: RoomHeader, member: MemberRecord): Promise<JoinReceipt> {
    return this.writes.run(room.roomId, () => this.join(room, member));
  }

  private async join(room: RoomHeader, member: MemberRecord): Promise<JoinReceipt> {
    const roomId = room.roomId;
    const firstHere = !this.mirror.has(roomId);
    // A first write of an earlier join that may have taken a record over is given up before this one, so
    // that this join takes the record over again (and its held seats with it) instead of writing beside them.
    if (firstHere && this.unsettled.has(roomId)) await this.closeLocked(roomId, 'recordJoin/settle');
    // In the mirror before sending: a rewrite built after this line includes the member.
    this.mirror.join(room, member);
    const joiner = { userId: member.userId, connectionId: member.connectionId };
    const send = (index: boolean): Promise<Reply> =>
      firstHere ? this.unsettledIfLost(roomId, { joiner }, this.sendJoin(room, member, index)) : this.sendJoin(room, member, index);
    let sentAt = this.leases.clock();
    let reply = await send(firstHere);
    let status = asInteger(reply[0]);
    if (status === FENCED && firstHere && this.adoptReplacedLease(roomId, reply)) {
      // The lease this node's claim took lapsed before the join was written, and a lookup meanwhile
      // placed the room on this node again, under a new epoch. Nothing of the room is here yet, so
      // nothing can be stale: join under the lease as it is now, instead of redirecting the client to
      // this very node (it did, on a loaded CI machine).
      sentAt = this.leases.clock();
      reply = await send(false);
      status = asInteger(reply[0]);
    }
    if (status < 0) {
      // Fenced (another node holds the room), or the seats held there fill it: nothing written.
      this.mirror.leave(roomId, member.userId, member.connectionId);
      if (status === FULL_OF_HELD_SEATS) {
        throw new SignalingError('roomFull', `room ${roomId} is full: its seats are held for members coming back`, { roomId });
      }
      const host = typeof reply[1] === 'string' ? reply[1] : '';
      if (status === FENCED && !firstHere) {
        this.leases.markLost(roomId);
        throw await this.movedError(roomId, host);
      }
      if (firstHere) this.leases.forget(roomId);
      throw await this.redirectTo(roomId, host);
    }
    this.leases.grant(roomId, String(reply[1]), sentAt);
    const at = this.noteStamp(roomId, reply[2]);
    if (reply.length <= 3) return { at };
    // Joined, taking over the record a dead host (or an earlier lease of this node) left behind.
    return { at, ...this.tookOver(room, reply.slice(3)) };
  }

  /**
   * The tail of a join or resume that took a record over: `{ meta, removed, replacedStamp, held, now }`.
   * Held seats go into the mirror; the removed members are returned for the core to report.
   */
  private tookOver(room: RoomHeader, tail: Reply): Pick<JoinReceipt, 'replaced' | 'held'> {
    const replacedRecord = decodeRoom(room.roomId, [tail[0], tail[1]]);
    const held = decodeMembers(tail[3], Number(tail[4]));
    for (const seat of held) this.mirror.join(room, seat);
    return {
      ...(replacedRecord ? { replaced: { record: replacedRecord, at: Number(tail[2]) } } : {}),
      ...(held.length > 0 ? { held } : {}),
    };
  }

  recordReconnecting(roomId: RoomId, userId: UserId, connectionId: ConnectionId, heldForMs: number): Promise<void> {
    return this.writes.run(roomId, async () => {
      this.mirror.hold(roomId, userId, connectionId, heldForMs);
      if (this.leases.epochOf(roomId) === undefined || this.leases.isLost(roomId)) return;
      const reply = asReply(
        await this.write(roomId, 'recordReconnecting', (client) =>
          RECONNECTING_SCRIPT.run(client, this.keys.roomKeyList(roomId), [...this.fenceArgs(roomId), userId, connectionId, Math.max(1, Math.round(heldForMs))]),
        ),
      );
      if (asInteger(reply[0]) === FENCED) this.leases.markLost(roomId);
    });
  }

  recordResume(room: RoomHeader, resume: SeatResume): Promise<ResumeReceipt> {
    return this.writes.run(room.roomId, () => this.resume(room, resume));
  }

  private async resume(room: RoomHeader, resume: SeatResume): Promise<ResumeReceipt> {
    const roomId = room.roomId;
    const hostedHere = this.mirror.has(roomId);
    // As for a join: an earlier first write that may have taken the record over is given up first.
    if (!hostedHere && this.unsettled.has(roomId)) await this.closeLocked(roomId, 'recordResume/settle');
    let sentAt = this.leases.clock();
    const send = async (): Promise<Reply> =>
      asReply(
        await this.connection.call('recordResume', (client) =>
          RESUME_SCRIPT.run(client, this.keys.roomKeyList(roomId), [
            ...this.fenceArgs(roomId),
            room.communityId,
            ...mediaRefArgs(room),
            room.resumeGraceMs ?? 0,
            resume.userId,
            resume.proof,
            resume.connectionId,
            resume.nextProof,
          ]),
        ),
      );
    let reply: Reply;
    try {
      const first = (): Promise<Reply> => (hostedHere ? send() : this.unsettledIfLost(roomId, { resumer: resume.userId }, send()));
      reply = await first();
      if (asInteger(reply[0]) === FENCED && !hostedHere && this.adoptReplacedLease(roomId, reply)) {
        // As for a join (see join): the claim's lease lapsed and a lookup gave the room to this node again.
        sentAt = this.leases.clock();
        reply = await first();
      }
    } catch (error) {
      if (!hostedHere) throw error;
      // The room is this node's (its lease confirmed), so no other node can resume this seat meanwhile:
      // the core's own check stands, and the swap is written back when Redis answers again.
      const member = this.mirror.resume(roomId, resume.userId, resume.connectionId, resume.nextProof);
      this.markDirty(roomId);
      if (!member) throw error;
      this.options.logger.warn({ roomId, userId: resume.userId }, 'state store did not record a resume yet; it is written when the store is back');
      return { outcome: 'resumed', member };
    }
    const status = asInteger(reply[0]);
    if (status === SEAT_REFUSED) return { outcome: 'refused' };
    if (status < 0) {
      const host = typeof reply[1] === 'string' ? reply[1] : '';
      if (status === FENCED && hostedHere) {
        this.leases.markLost(roomId);
        throw await this.movedError(roomId, host);
      }
      if (!hostedHere) this.leases.forget(roomId);
      throw await this.redirectTo(roomId, host);
    }
    this.leases.grant(roomId, String(reply[1]), sentAt);
    const [member] = decodeMembers(reply[2]);
    if (!member) throw new SignalingError('internalError', `the store resumed ${resume.userId} in ${roomId} but returned no member`);
    if (reply.length <= 3) {
      this.mirror.resume(roomId, resume.userId, resume.connectionId, resume.nextProof);
      return { outcome: 'resumed', member };
    }
    // Took over the record a dead host left: this node hosts the room from now on.
    this.mirror.join(room, member);
    if (!hostedHere) void this.indexRoom(roomId);
    return { outcome: 'resumed', member, ...this.tookOver(room, reply.slice(3)) };
  }

  recordLeave(roomId: RoomId, userId: UserId, connectionId: ConnectionId): Promise<LeaveReceipt> {
    // A departure Redis does not stamp is stamped when it happened, not when Redis was given up on (a
    // command deadline later, or behind the room's earlier writes): the member may be back on another
    // node by then, and a later stamp would report it gone after its return.
    const leftAt = Date.now();
    return this.writes.run(roomId, async () => {
      this.mirror.leave(roomId, userId, connectionId);
      const epoch = this.leases.epochOf(roomId);
      if (epoch === undefined || this.leases.isLost(roomId)) return { at: this.localStamp(roomId, leftAt), outcome: 'notHeld' };
      let reply: Reply;
      try {
        reply = asReply(
          await this.connection.call('recordLeave', (client) =>
            LEAVE_SCRIPT.run(client, this.keys.roomKeyList(roomId), [...this.fenceArgs(roomId), userId, connectionId]),
          ),
        );
      } catch {
        this.markDirty(roomId);
        return { at: this.localStamp(roomId, leftAt), outcome: 'deferred' };
      }
      if (asInteger(reply[0]) === FENCED) {
        this.leases.markLost(roomId);
        return { at: this.localStamp(roomId, leftAt), outcome: 'notHeld' };
      }
      return { at: this.noteStamp(roomId, reply[1]), outcome: 'recorded' };
    });
  }

  recordMediaState(roomId: RoomId, userId: UserId, state: MediaState): Promise<void> {
    return this.writes.run(roomId, async () => {
      this.mirror.setMediaState(roomId, userId, state);
      if (this.leases.epochOf(roomId) === undefined || this.leases.isLost(roomId)) return;
      const reply = asReply(
        await this.write(roomId, 'recordMediaState', (client) =>
          MEDIA_STATE_SCRIPT.run(client, this.keys.roomKeyList(roomId), [...this.fenceArgs(roomId), userId, encodeMedia(state)]),
        ),
      );
      if (asInteger(reply[0]) === FENCED) this.leases.markLost(roomId);
    });
  }

  /** Removes the room and this node's lease on it, only while the lease is this node's. */
  recordRoomClosed(roomId: RoomId): Promise<void> {
    return this.writes.run(roomId, async () => {
      this.mirror.close(roomId);
      await Promise.all([this.closeLocked(roomId, 'recordRoomClosed'), this.unindexRoom(roomId)]);
    });
  }

  releaseHold(roomId: RoomId): Promise<void> {
    return this.writes.run(roomId, async () => {
      if (this.mirror.has(roomId)) return;
      await this.closeLocked(roomId, 'releaseHold');
    });
  }

  /** Caller holds the room's write turn. The lease is forgotten once Redis no longer names this node. */
  private async closeLocked(roomId: RoomId, operation: string): Promise<void> {
    const epoch = this.leases.epochOf(roomId);
    const unsettled = this.unsettled.get(roomId);
    if (unsettled) await this.giveUpUnsettled(roomId, unsettled);
    if (epoch === undefined) {
      if (unsettled) this.forgetRoom(roomId);
      return;
    }
    if (this.leases.isLost(roomId)) {
      this.forgetRoom(roomId);
      return;
    }
    // After a give-up this releases a newer lease (a claim since), if any; it never deletes the record the
    // give-up left orphaned.
    await this.write(roomId, operation, (client) => CLOSE_ROOM_SCRIPT.run(client, this.keys.roomKeyList(roomId), this.fenceArgs(roomId)));
    this.forgetRoom(roomId);
  }

  /**
   * Closes a room whose first write may have taken over a record with seats held in it (UnsettledWrite):
   * the record is reaped as abandoned under that write's epoch. The held seats stay, booked for their
   * revisit; members whose seats ran out meanwhile are reported gone; the joiner whose join failed goes
   * unreported, a resumer whose resume failed is reported gone. So are the members the write's takeover
   * removed, which its lost reply would have told (the record keeps them until then: stash_replaced). A
   * write that was never applied left no record of this epoch: then only the lease goes.
   */
  private async giveUpUnsettled(roomId: RoomId, write: UnsettledWrite): Promise<void> {
    let outcome: ReapOutcome;
    try {
      outcome = await this.orphans.reap(roomId, 'abandon', { node: this.nodeId, epoch: write.epoch, except: removedWhatever(write), stash: true });
    } catch (error) {
      this.markDirty(roomId);
      throw error;
    }
    this.unsettled.delete(roomId);
    // Those the takeover removed left before anything removed now.
    if (outcome.replaced) this.dropped.tell(outcome.replaced);
    const reported = departedBesidesJoiner(outcome.departed, write);
    if (reported) this.dropped.tell(reported);
  }

  /** A first write: if it fails without an answer, the room is noted as unsettled under the lease it was sent with. */
  private async unsettledIfLost(roomId: RoomId, who: Omit<UnsettledWrite, 'epoch'>, sending: Promise<Reply>): Promise<Reply> {
    const epoch = this.leases.epochOf(roomId) ?? '';
    try {
      return await sending;
    } catch (error) {
      this.unsettled.set(roomId, { epoch, ...who });
      throw error;
    }
  }

  recordRoomAbandoned(roomId: RoomId): Promise<DepartedRoom | undefined> {
    return this.writes.run(roomId, async () => {
      const epoch = this.leases.epochOf(roomId);
      this.mirror.close(roomId);
      this.forgetRoom(roomId);
      void this.unindexRoom(roomId);
      if (epoch === undefined) return undefined;
      // Resumable members keep their seats: they were told where the room went, and may resume there.
      return (await this.orphans.reap(roomId, 'abandon', { node: this.nodeId, epoch })).departed;
    });
  }

  async getRoom(roomId: RoomId): Promise<RoomRecord | undefined> {
    const reply = await this.connection.call('getRoom', (client) => READ_ROOM_SCRIPT.run(client, this.keys.roomKeyList(roomId), []));
    return decodeRoom(roomId, reply);
  }

  /** Every recorded room of every registered node (and this one's, registered or not). */
  async listRooms(): Promise<readonly RoomRecord[]> {
    const nodes = new Set(asStringList(await this.connection.call('listRooms/nodes', (client) => client.smembers(this.keys.nodes.all))));
    nodes.add(this.nodeId);
    const indexed = asStringList(
      await this.connection.call('listRooms/index', (client) => client.sunion(...[...nodes].map((node) => this.keys.nodes.rooms(node)))),
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

  /** Called with records an earlier run of this node id left behind, removed at (re)connection. */
  onStaleRecordDropped(listener: (room: DepartedRoom) => void): void {
    this.dropped.add(listener);
  }

  hostedRoomIds(): readonly RoomId[] {
    return this.mirror.roomIds().filter((roomId) => !this.leases.isLost(roomId));
  }

  hostsRoom(roomId: RoomId): boolean {
    return this.mirror.has(roomId) && !this.leases.isLost(roomId);
  }

  get participantCount(): number {
    return this.mirror.participantCount;
  }

  async refreshHostedRooms(spreadMs = 0): Promise<void> {
    if (this.dirty.size > 0) await this.repair([...this.dirty.keys()]);
    const missing: RoomId[] = [];
    await inSlices(this.hostedRoomIds(), spreadMs, (roomId) =>
      this.writes.run(roomId, async () => {
        if ((await this.refreshLocked(roomId)) === 'missing') missing.push(roomId);
      }),
    );
    // A room this node still holds but Redis lost (keys expired during an outage, a failed-over shard).
    if (missing.length > 0) await this.repair(missing);
  }

  confirmHold(roomId: RoomId): Promise<boolean> {
    return this.writes.run(roomId, async () => {
      if (!this.leases.holds(roomId)) return true;
      const outcome = await this.refreshLocked(roomId);
      if (outcome === 'missing') return (await this.rewriteLocked(roomId)) !== 'lost';
      return outcome !== 'lost';
    });
  }

  /** Caller holds the room's write turn. */
  private async refreshLocked(roomId: RoomId): Promise<'renewed' | 'missing' | 'lost' | 'gone'> {
    if (!this.mirror.has(roomId) || this.leases.epochOf(roomId) === undefined) return 'gone';
    if (this.leases.isLost(roomId)) return 'lost';
    const sentAt = this.leases.clock();
    const reply = asReply(
      await this.connection.call('refreshRoom', (client) =>
        REFRESH_ROOM_SCRIPT.run(client, this.keys.roomKeyList(roomId), this.fenceArgs(roomId)),
      ),
    );
    const status = asInteger(reply[0]);
    if (status === FENCED) {
      this.leases.markLost(roomId);
      return 'lost';
    }
    this.leases.renewed(roomId, sentAt);
    return status === 1 ? 'renewed' : 'missing';
  }

  /**
   * Rewrites this node's rooms and members as the node holds them, after every (re)connection: Redis may
   * have restarted empty, or missed the leaves and closes of an outage. Rooms its index still lists that
   * it no longer holds (closed during the outage, or left by an earlier run of this node id) go.
   */
  async reassert(): Promise<void> {
    if (this.closed) return;
    const indexed = asStringList(
      await this.connection.call('reassert/index', (client) => client.smembers(this.keys.nodes.rooms(this.nodeId))),
    );
    const roomIds = new Set([...this.mirror.roomIds(), ...indexed, ...this.dirty.keys()]);
    const outcome = await this.repair([...roomIds].filter((roomId) => !this.leases.isLost(roomId)));
    this.options.logger.info({ nodeId: this.nodeId, ...outcome }, 'state re-asserted in Redis');
  }

  /** Makes Redis match the mirror for these rooms: rewritten when held here, removed (if still ours) when not. */
  private async repair(roomIds: readonly RoomId[]): Promise<{ rooms: number; dropped: number; conflicts: number; failures: number }> {
    const count = { rooms: 0, dropped: 0, conflicts: 0, failures: 0 };
    await Promise.all(
      roomIds.map((roomId) =>
        this.writes.run(roomId, async () => {
          const mark = this.dirty.get(roomId);
          try {
            const outcome = await this.rewriteLocked(roomId);
            count[outcome === 'rewritten' ? 'rooms' : outcome === 'lost' ? 'conflicts' : 'dropped'] += 1;
            // Only a mark older than this repair is cleared; a write that failed meanwhile keeps the room dirty.
            if (this.dirty.get(roomId) === mark) this.dirty.delete(roomId);
          } catch {
            count.failures += 1;
          }
        }),
      ),
    );
    return count;
  }

  /** Caller holds the room's write turn. Built from the mirror now, when it is this room's turn to be written. */
  private async rewriteLocked(roomId: RoomId): Promise<'rewritten' | 'dropped' | 'lost'> {
    const room = this.mirror.record(roomId, this.nodeId);
    const epoch = this.leases.epochOf(roomId);
    if (!room) {
      if (epoch !== undefined || this.unsettled.has(roomId)) {
        await this.closeLocked(roomId, 'repair/close');
        return 'dropped';
      }
      // Not held here at all: a record an earlier run of this node id left (its members went with it,
      // except those whose seats are held for them to resume).
      const { departed } = await this.orphans.reap(roomId, 'dead', { node: this.nodeId });
      if (departed) this.dropped.tell(departed);
      void this.unindexRoom(roomId);
      return 'dropped';
    }
    if (epoch === undefined || this.leases.isLost(roomId)) return 'lost';
    const sentAt = this.leases.clock();
    const reply = asReply(
      await this.connection.call('repair/rewrite', (client) =>
        REASSERT_ROOM_SCRIPT.run(client, this.keys.roomKeyList(roomId), [
          ...this.fenceArgs(roomId),
          this.stamps.get(roomId) ?? 0,
          room.communityId,
          ...mediaRefArgs(room),
          this.mirror.resumeGraceMs(roomId),
          ...room.members.flatMap(memberArgs),
        ]),
      ),
    );
    if (asInteger(reply[0]) === FENCED) {
      this.leases.markLost(roomId);
      return 'lost';
    }
    this.leases.renewed(roomId, sentAt);
    return 'rewritten';
  }

  /** node, epoch ('' before this node has one), lease TTL, fence TTL: the first ARGV of every fenced script. */
  private fenceArgs(roomId: RoomId): (string | number)[] {
    return [this.nodeId, this.leases.epochOf(roomId) ?? '', this.options.roomTtlMs, this.options.fenceTtlMs];
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

  private forgetRoom(roomId: RoomId): void {
    this.unsettled.delete(roomId);
    this.leases.forget(roomId);
    this.stamps.delete(roomId);
    this.dirty.delete(roomId);
  }

  private noteStamp(roomId: RoomId, value: unknown): number {
    const at = Number(value);
    this.stamps.set(roomId, Math.max(this.stamps.get(roomId) ?? 0, at));
    return at;
  }

  /**
   * A presence time for a change Redis did not stamp (it was unreachable, or refused): this node's clock,
   * but after every time Redis issued for the room, so one user's events in the room stay in order.
   */
  private localStamp(roomId: RoomId, now = Date.now()): number {
    const at = Math.max(now, (this.stamps.get(roomId) ?? 0) + 1);
    this.stamps.set(roomId, at);
    return at;
  }

  /**
   * A fenced first write (`{ -2, host, epoch }`) that names this node as the host: the room was placed here
   * again under a new epoch since this node's claim. That epoch becomes the one this node writes with (and
   * cleans up with, should the next write fail). False when another node, or nobody, holds the room.
   */
  private adoptReplacedLease(roomId: RoomId, reply: Reply): boolean {
    const [, host, epoch] = reply;
    if (host !== this.nodeId || typeof epoch !== 'string' || epoch === '') return false;
    this.leases.forget(roomId);
    this.leases.know(roomId, epoch);
    return true;
  }

  /** The join script with this node's lease (if any); a failure takes the member out of the mirror again. */
  private async sendJoin(room: RoomHeader, member: MemberRecord, index: boolean): Promise<Reply> {
    const roomId = room.roomId;
    try {
      const [joined] = await Promise.all([
        this.connection.call('recordJoin', (client) =>
          JOIN_SCRIPT.run(client, this.keys.roomKeyList(roomId), [
            ...this.fenceArgs(roomId),
            room.communityId,
            ...mediaRefArgs(room),
            this.mirror.resumeGraceMs(roomId),
            room.capacity ?? '',
            ...memberArgs(member),
          ]),
        ),
        index ? this.indexRoom(roomId) : undefined,
      ]);
      return asReply(joined);
    } catch (error) {
      this.mirror.leave(roomId, member.userId, member.connectionId);
      this.markDirty(roomId);
      throw error;
    }
  }

  private indexRoom(roomId: RoomId): Promise<unknown> {
    // The heartbeat rewrites the index; a failure here must not fail the join.
    return this.connection
      .call('recordJoin/index', (client) =>
        INDEX_ROOM_SCRIPT.run(client, [this.keys.nodes.rooms(this.nodeId)], [this.options.indexTtlMs, roomId]),
      )
      .catch(() => undefined);
  }

  private unindexRoom(roomId: RoomId): Promise<unknown> {
    // The heartbeat rewrites the index; a missed removal here costs nothing lasting.
    return this.connection
      .call('unindexRoom', (client) => client.srem(this.keys.nodes.rooms(this.nodeId), roomId))
      .catch(() => undefined);
  }

  private async liveUrlOf(host: string): Promise<string | undefined> {
    if (host === '') return undefined;
    const url = await this.connection
      .call('recordJoin/host', (client) => LIVE_NODE_URL_SCRIPT.run(client, [this.keys.nodes.alive(host), this.keys.nodes.urls], [host]))
      .catch(() => undefined);
    return typeof url === 'string' ? url : undefined;
  }

  private async redirectTo(roomId: RoomId, host: string): Promise<SignalingError> {
    const url = await this.liveUrlOf(host);
    if (url !== undefined) {
      return new SignalingError('wrongNode', `room ${roomId} is hosted by node ${host}`, { nodeId: host, nodeUrl: url });
    }
    return new SignalingError('stateStoreUnavailable', `room ${roomId} is moving to another node; try again`);
  }

  private async movedError(roomId: RoomId, host: string): Promise<SignalingError> {
    const url = await this.liveUrlOf(host);
    const location: RoomLocation | undefined = url !== undefined ? { nodeId: host, nodeUrl: url } : undefined;
    return new SignalingError('roomMoved', `room ${roomId} is now served by another node; join it there`, {
      roomId,
      ...(location ? { nodeId: location.nodeId, nodeUrl: location.nodeUrl } : {}),
    });
  }
}

const asReply = (value: unknown): Reply => (Array.isArray(value) ? value : [value]);
