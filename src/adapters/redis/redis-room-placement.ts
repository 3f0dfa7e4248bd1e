import { SignalingError, type RoomId } from '../../domain';
import type { Logger, PlacementDecision, RoomLocation, RoomLocator, RoomPlacement } from '../../application';
import type { RedisConnection } from './redis-connection';
import type { RedisKeys } from './redis-keys';
import type { NodeDirectory } from './redis-node-registry';
import { LIVE_NODE_URL_SCRIPT, PICK_NODE_SCRIPT } from './node-scripts';
import { CLAIM_ROOM_SCRIPT, RELEASE_ROOM_SCRIPT } from './room-scripts';
import { asStringList } from './room-record-codec';

export interface RedisRoomPlacementOptions {
  readonly connection: RedisConnection;
  readonly keys: RedisKeys;
  readonly nodes: NodeDirectory;
  /** Whether this node hosts the room right now (members here, not claimed by another node). */
  readonly hostsRoom: (roomId: RoomId) => boolean;
  /**
   * How long a claim lives without a join to keep it: a client sent to another node has this long to
   * get there. The hosting node's heartbeat extends claims of rooms it records.
   */
  readonly claimTtlMs: number;
  readonly logger: Logger;
}

/** Races lost in a row before giving up; each loss means another node just claimed or released the room. */
const MAX_ATTEMPTS = 5;

/**
 * Which node hosts a room: the node holding the room's claim while its heartbeat is alive, otherwise the
 * least-loaded live node, claimed by compare-and-set on the room's claim key so that two nodes claiming a
 * new room at once agree on one host.
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
    if (this.options.hostsRoom(roomId)) return { hostedHere: true };
    const { nodeId, publicUrl } = this.options.nodes;
    const host = await this.settle(roomId, async () => ({ nodeId, nodeUrl: publicUrl }));
    return host.nodeId === nodeId ? { hostedHere: true } : { hostedHere: false, nodeId: host.nodeId, nodeUrl: host.nodeUrl };
  }

  async release(roomId: RoomId): Promise<void> {
    const { connection, keys, nodes } = this.options;
    await connection.call('release', (client) => RELEASE_ROOM_SCRIPT.run(client, [keys.room(roomId).host], [nodes.nodeId]));
  }

  /** For `GET /v1/rooms/:roomId/node`: the live host, or the least-loaded live node, now claimed for it. */
  locate(roomId: RoomId): Promise<RoomLocation> {
    // A lost race must not leave the loser's booking counted as load until it expires.
    return this.settle(roomId, () => this.leastLoaded(roomId), (lost) => this.unbook(lost.nodeId, roomId));
  }

  /**
   * The room's live host; if there is none, `candidate` claimed by compare-and-set. Two nodes settling
   * a free room at once both read "no host"; only one compare-and-set wins, and on the next pass the
   * loser reads the winner.
   */
  private async settle(
    roomId: RoomId,
    candidate: () => Promise<RoomLocation>,
    onLost: (candidate: RoomLocation) => void = () => undefined,
  ): Promise<RoomLocation> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const holder = await this.currentHolder(roomId);
      if (holder.location) return holder.location;
      const chosen = await candidate();
      const winner = await this.options.connection.call('claim', (client) =>
        CLAIM_ROOM_SCRIPT.run(client, [this.options.keys.room(roomId).host], [holder.deadHost ?? '', chosen.nodeId, this.options.claimTtlMs]),
      );
      if (winner === chosen.nodeId) {
        this.options.logger.debug({ roomId, nodeId: chosen.nodeId, previous: holder.deadHost }, 'room claimed');
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

  private async currentHolder(roomId: RoomId): Promise<{ location?: RoomLocation; deadHost?: string }> {
    const { connection, keys, nodes } = this.options;
    const host = await connection.call('claim/host', (client) => client.get(keys.room(roomId).host));
    if (host === null) return {};
    if (host === nodes.nodeId) return { location: { nodeId: host, nodeUrl: nodes.publicUrl } };
    const url = await connection.call('claim/alive', (client) =>
      LIVE_NODE_URL_SCRIPT.run(client, [keys.nodes.alive(host), keys.nodes.urls], [host]),
    );
    return typeof url === 'string' ? { location: { nodeId: host, nodeUrl: url } } : { deadHost: host };
  }

  private async leastLoaded(roomId: RoomId): Promise<RoomLocation> {
    const { connection, keys, nodes } = this.options;
    const ids = [...new Set([...nodes.knownNodeIds(), nodes.nodeId])];
    const reply = asStringList(
      await connection.call('claim/pick', (client) =>
        PICK_NODE_SCRIPT.run(
          client,
          [keys.nodes.urls, keys.nodes.loads, ...ids.map((id) => keys.nodes.alive(id)), ...ids.map((id) => keys.nodes.claims(id))],
          [roomId, this.options.claimTtlMs, ...ids],
        ),
      ),
    );
    const [nodeId, nodeUrl] = reply;
    // No live node registered (not even this one, e.g. before its first heartbeat): this node serves.
    if (nodeId === undefined || nodeUrl === undefined) return { nodeId: nodes.nodeId, nodeUrl: nodes.publicUrl };
    return { nodeId, nodeUrl };
  }
}
