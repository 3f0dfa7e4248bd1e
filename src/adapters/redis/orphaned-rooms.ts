import type { RoomId } from '../../domain';
import type { DepartedRoom, Logger } from '../../application';
import { BOOK_ORPHAN_SCRIPT, DUE_ORPHANS_SCRIPT, UNBOOK_ORPHAN_SCRIPT } from './node-scripts';
import type { RedisConnection } from './redis-connection';
import type { RedisKeys } from './redis-keys';
import { REAP_ROOM_SCRIPT } from './room-scripts';
import { asInteger, asStringList, decodeRoom } from './room-record-codec';

/** See REAP_ROOM_SCRIPT: a dead node's record, this node's own record of a room it gives up, or a revisit. */
export type ReapMode = 'dead' | 'abandon' | 'held';

/** Whose record a reap applies to, as its mode needs. */
export interface ReapTarget {
  /** The node the record must name ('dead', 'abandon'). */
  readonly node?: string;
  /** The epoch it must carry ('abandon'; '' = the room's current one unless another node holds it). */
  readonly epoch?: string;
  /** A member removed whatever its seat (a joiner whose join failed: it never held one). */
  readonly except?: string;
  /** For a revisit ('held'): the booking it read, removed once nothing is left to revisit. */
  readonly booking?: string;
  /** Also take what the takeover that wrote the record removed (a give-up of a write whose reply was lost). */
  readonly stash?: boolean;
  /** For a reaper ('dead'): Redis's time (ms) when it found the node dead; a lease renewed since is left alone. */
  readonly deadSince?: string;
}

export interface ReapOutcome {
  /** The mode applied to the record (it was the dead node's, this node's of that epoch, or orphaned). */
  readonly applied: boolean;
  /** The members removed now: whoever reaped reports them gone. Absent when none was. */
  readonly departed?: DepartedRoom;
  /** Seats the record still holds for members who may resume. */
  readonly held: number;
  /** With `stash`: the members the record's takeover removed, as its lost reply would have told them. */
  readonly replaced?: DepartedRoom;
}

export interface OrphanedRoomsOptions {
  readonly connection: RedisConnection;
  readonly keys: RedisKeys;
  readonly fenceTtlMs: number;
  /** The lease; a record with held seats lives this long past its last deadline. */
  readonly leaseTtlMs: number;
  readonly logger: Logger;
}

/** Rooms revisited per heartbeat at most; the rest wait for the next one. */
const REVISITS_PER_BEAT = 100;

/**
 * Records whose host is gone but which still hold seats for resumable members. Whoever removes such a
 * record's other members (a reaper, a node giving the room up, a node cleaning up after an earlier run of
 * itself) books a revisit in one sorted set, keyed by when the next seat runs out; every node's heartbeat
 * revisits the due ones and reports the seats that ran out. Independent of the node that left the record,
 * so it works whether that node is gone for good, restarted with the same id (its heartbeat rewrites its
 * own room index), or alive and serving elsewhere.
 */
export class OrphanedRooms {
  constructor(private readonly options: OrphanedRoomsOptions) {}

  /** Reaps one room's record (see REAP_ROOM_SCRIPT and ReapTarget). */
  async reap(roomId: RoomId, mode: ReapMode, target: ReapTarget = {}): Promise<ReapOutcome> {
    const { connection, keys, fenceTtlMs, leaseTtlMs } = this.options;
    const { node = '', epoch = '', except = '', booking, stash = false, deadSince = '' } = target;
    const reply = await connection.call(`reap/${mode}`, (client) =>
      REAP_ROOM_SCRIPT.run(client, keys.roomKeyList(roomId), [node, epoch, fenceTtlMs, mode, leaseTtlMs, except, stash ? '1' : '', deadSince]),
    );
    if (!Array.isArray(reply) || asInteger(reply[0]) !== 1) {
      if (booking !== undefined) await this.unbook(roomId, booking);
      return { applied: false, held: 0 };
    }
    const record = decodeRoom(roomId, [reply[1], reply[2]]);
    const departed = record && record.members.length > 0 ? { record, at: Number(reply[3]) } : undefined;
    const held = asInteger(reply[4]);
    if (held > 0) await this.book(roomId, Number(reply[5]));
    else if (booking !== undefined) await this.unbook(roomId, booking);
    const replaced = decodeStash(roomId, reply[6]);
    return { applied: true, held, ...(departed ? { departed } : {}), ...(replaced ? { replaced } : {}) };
  }

  /** Revisits the rooms whose next held seat ran out by now; returns the members removed, to report. */
  async revisitDue(): Promise<DepartedRoom[]> {
    const { connection, keys } = this.options;
    const due = asStringList(
      await connection.call('orphans/due', (client) => DUE_ORPHANS_SCRIPT.run(client, [keys.nodes.orphans], [REVISITS_PER_BEAT])),
    );
    const departed: DepartedRoom[] = [];
    for (let i = 0; i + 1 < due.length; i += 2) {
      const outcome = await this.reap(due[i]!, 'held', { booking: due[i + 1]! });
      if (outcome.departed) departed.push(outcome.departed);
    }
    return departed;
  }

  private async book(roomId: RoomId, dueAt: number): Promise<void> {
    const { connection, keys, leaseTtlMs, logger } = this.options;
    await connection
      .call('orphans/book', (client) => BOOK_ORPHAN_SCRIPT.run(client, [keys.nodes.orphans], [roomId, dueAt, leaseTtlMs * 4]))
      .catch((error: unknown) =>
        // The record still expires on its own (after its last deadline); only its report would be missed.
        logger.warn({ err: error, roomId }, 'could not book the revisit of a room with held seats'),
      );
  }

  /** Only the booking the revisit read: one made since (the record orphaned again) is another revisit's. */
  private async unbook(roomId: RoomId, booking: string): Promise<void> {
    const { connection, keys } = this.options;
    await connection
      .call('orphans/unbook', (client) => UNBOOK_ORPHAN_SCRIPT.run(client, [keys.nodes.orphans], [roomId, booking]))
      .catch(() => undefined);
  }
}

/** stash_replaced's JSON ([meta pairs, removed member pairs, stamp]) as the report it stands for. */
const decodeStash = (roomId: RoomId, stash: unknown): DepartedRoom | undefined => {
  if (typeof stash !== 'string' || stash === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(stash);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  const record = decodeRoom(roomId, [parsed[0], parsed[1]]);
  return record && record.members.length > 0 ? { record, at: Number(parsed[2]) } : undefined;
};
