import { SignalingError, type RoomId } from '../../domain';
import type { HoldCheck, Logger, PlacementDecision, RoomLocation, RoomLocator, RoomPlacement } from '../../application';
import type { RedisConnection } from './redis-connection';
import type { RedisKeys } from './redis-keys';
import type { NodeDirectory } from './redis-node-registry';
import type { HostedRooms } from './redis-room-state-store';
import type { RoomLeases } from './room-leases';
import { LIVE_NODE_URL_SCRIPT, PICK_NODE_SCRIPT } from './node-scripts';
import { CLAIM_ROOM_SCRIPT, READ_HOLDER_SCRIPT } from './room-scripts';
import { asStringList } from './room-record-codec';

export interface RedisRoomPlacementOptions {
  readonly connection: RedisConnection;
  readonly keys: RedisKeys;
  readonly nodes: NodeDirectory;
  readonly rooms: HostedRooms;
  readonly leases: RoomLeases;
  /** The lease a node takes on a room at join time; its heartbeat renews it while it hosts the room. */
  readonly claimTtlMs: number;
  /**
   * How long a lookup's claim (and its booking as load) lives without a join: a client sent to a node has
   * this long to get there. Short (one heartbeat), so that asking about rooms nobody joins leaves nothing.
   */
  readonly lookupClaimTtlMs: number;
  readonly logger: Logger;
}

/** Races lost in a row before giving up; each loss means another node just claimed or released the room. */
const MAX_ATTEMPTS = 5;

interface Holder {
  readonly location?: RoomLocation;
  /** The lease's epoch, when the lease is held. */
  readonly epoch?: string;
  /** A holder whose heartbeat lapsed: its lease may be taken over (compare-and-set on its id). */
  readonly deadHost?: string;
  /** Redis's time when `deadHost` was found dead: a renewal of its lease after that means it came back. */
  readonly deadSince?: string;
}

/**
 * Which node hosts a room: the node holding the room's lease while its heartbeat is alive, otherwise the
 * least-loaded live node, claimed by compare-and-set on the lease so that two nodes claiming a new room
 * at once agree on one host. Each claim starts a new lease generation (see room-scripts.ts), and this
 * node's own leases are watched here for the core: may it still serve a room, and where did one go.
 */
export class RedisRoomPlacement implements RoomPlacement, RoomLocator {
  constructor(private readonly options: RedisRoomPlacementOptions) {}

  /**
   * For a join arriving here. A room with members here is answered without asking Redis: every further
   * join into a live room then costs one round trip (the join script), and the join script itself refuses
   * if another node took the room meanwhile. A room no live node holds is taken for this node, not for the
   * least-loaded one: the client is already here (its lookup's claim may have expired on the way, or it
   * never asked), and sending it elsewhere would only race the next lookup.
   */
  async claim(roomId: RoomId): Promise<PlacementDecision> {
    if (this.options.rooms.hostsRoom(roomId)) return { hostedHere: true };
    const { nodeId, publicUrl } = this.options.nodes;
    const host = await this.settle(roomId, this.options.claimTtlMs, async () => ({ nodeId, nodeUrl: publicUrl }), undefined, true);
    return host.nodeId === nodeId ? { hostedHere: true } : { hostedHere: false, nodeId: host.nodeId, nodeUrl: host.nodeUrl };
  }

  release(roomId: RoomId): Promise<void> {
    return this.options.rooms.releaseHold(roomId);
  }

  isHoldConfirmed(roomId: RoomId): boolean {
    return this.options.leases.isConfirmed(roomId);
  }

  async confirmHold(roomId: RoomId): Promise<HoldCheck> {
    if (await this.options.rooms.confirmHold(roomId)) return { held: true };
    const host = await this.whereNow(roomId);
    return host ? { held: false, host } : { held: false };
  }

  onHoldLost(listener: (roomId: RoomId, host: RoomLocation | undefined) => void): void {
    this.options.leases.onLost((roomId) => {
      void this.whereNow(roomId).then(listener.bind(undefined, roomId));
    });
  }

  /** For `GET /v1/rooms/:roomId/node`: the live host, or the least-loaded live node, now claimed for it. */
  locate(roomId: RoomId): Promise<RoomLocation> {
    // A lost race must not leave the loser's booking counted as load until it expires.
    return this.settle(roomId, this.options.lookupClaimTtlMs, () => this.leastLoaded(roomId), (lost) => this.unbook(lost.nodeId, roomId));
  }

  /** Where the members of a room this node lost should go: its live host, or wherever placement puts it now. */
  private async whereNow(roomId: RoomId): Promise<RoomLocation | undefined> {
    try {
      const holder = await this.currentHolder(roomId);
      if (holder.location && holder.location.nodeId !== this.options.nodes.nodeId) return holder.location;
      return await this.locate(roomId);
    } catch (error) {
      this.options.logger.warn({ err: error, roomId }, 'could not tell where a room went; its members are told to look it up');
      return undefined;
    }
  }

  /**
   * The room's live host; if there is none, `candidate` claimed by compare-and-set. Two nodes settling
   * a free room at once both read "no host"; only one compare-and-set wins, and on the next pass the
   * loser reads the winner.
   */
  private async settle(
    roomId: RoomId,
    ttlMs: number,
    candidate: () => Promise<RoomLocation>,
    onLost: (candidate: RoomLocation) => void = () => undefined,
    /** A join here: a lease another node's lookup took for this node becomes this node's to write with. */
    adopt = false,
  ): Promise<RoomLocation> {
    const { connection, keys, leases, nodes } = this.options;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const holder = await this.currentHolder(roomId);
      if (holder.location) {
        if (adopt && holder.location.nodeId === nodes.nodeId && holder.epoch) leases.know(roomId, holder.epoch);
        return holder.location;
      }
      const chosen = await candidate();
      const sentAt = leases.clock();
      const [winner, epoch] = asStringList(
        await connection.call('claim', (client) =>
          // The fence of a room nobody joins goes with its claim; a join extends it (a longer one is kept).
          CLAIM_ROOM_SCRIPT.run(client, keys.roomKeyList(roomId), [
            holder.deadHost ?? '',
            chosen.nodeId,
            ttlMs,
            ttlMs,
            holder.deadSince ?? '',
            this.options.claimTtlMs,
          ]),
        ),
      );
      if (winner === chosen.nodeId) {
        // A lease a join here took is this node's from now on. One a lookup took (for whichever node) is
        // learnt by that node's join: a lookup nobody follows must leave nothing behind here either.
        if (adopt && winner === nodes.nodeId && epoch !== undefined && epoch !== '') leases.grant(roomId, epoch, sentAt);
        this.options.logger.debug({ roomId, nodeId: chosen.nodeId, previous: holder.deadHost, epoch }, 'room claimed');
        return chosen;
      }
      onLost(chosen);
    }
    throw new SignalingError('stateStoreUnavailable', `could not settle which node hosts room ${roomId}; try again`);
  }

  private unbook(nodeId: string, roomId: RoomId): void {
    this.options.connection
      .call('claim/unbook', (client) => client.zrem(this.options.keys.nodes.claims(nodeId), roomId))
      .catch(() => undefined);
  }

  /**
   * The lease's holder if its heartbeat is alive. Between a lease lapsing and its holder's next renewal
   * (Redis was unreachable for everyone, say) the record still names a live host: it is sent there rather
   * than claimed away from it.
   */
  private async currentHolder(roomId: RoomId): Promise<Holder> {
    const { connection, keys, nodes } = this.options;
    const [host = '', recordNode = '', epoch = ''] = asStringList(
      await connection.call('claim/host', (client) => READ_HOLDER_SCRIPT.run(client, keys.roomKeyList(roomId), [])),
    );
    const candidate = host !== '' ? host : recordNode;
    if (candidate === '') return {};
    if (candidate === nodes.nodeId) {
      return { location: { nodeId: candidate, nodeUrl: nodes.publicUrl }, ...(host !== '' && epoch !== '' ? { epoch } : {}) };
    }
    const url = await connection.call('claim/alive', (client) =>
      LIVE_NODE_URL_SCRIPT.run(client, [keys.nodes.alive(candidate), keys.nodes.urls], [candidate]),
    );
    if (typeof url === 'string') return { location: { nodeId: candidate, nodeUrl: url } };
    if (host === '') return {};
    return { deadHost: host, ...(typeof url === 'number' ? { deadSince: String(url) } : {}) };
  }

  private async leastLoaded(roomId: RoomId): Promise<RoomLocation> {
    const { connection, keys, nodes } = this.options;
    const ids = [...new Set([...nodes.knownNodeIds(), nodes.nodeId])];
    const reply = asStringList(
      await connection.call('claim/pick', (client) =>
        PICK_NODE_SCRIPT.run(
          client,
          [keys.nodes.urls, keys.nodes.loads, keys.nodes.roomCounts, ...ids.map((id) => keys.nodes.alive(id)), ...ids.map((id) => keys.nodes.claims(id))],
          [roomId, this.options.lookupClaimTtlMs, ...ids],
        ),
      ),
    );
    const [nodeId, nodeUrl] = reply;
    // No live node registered (not even this one, e.g. before its first heartbeat): this node serves.
    if (nodeId === undefined || nodeUrl === undefined) return { nodeId: nodes.nodeId, nodeUrl: nodes.publicUrl };
    return { nodeId, nodeUrl };
  }
}
