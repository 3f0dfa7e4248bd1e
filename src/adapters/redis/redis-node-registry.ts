import type { DepartedRoom, Logger } from '../../application';
import { FreedRoomListeners } from './freed-room-listeners';
import type { RedisConnection } from './redis-connection';
import type { RedisKeys } from './redis-keys';
import type { HostedRooms } from './redis-room-state-store';
import type { RoomLeases } from './room-leases';
import { assertLiveness } from './redis-settings';
import { DEAD_NODES_SCRIPT, DRAINING_LOAD, FORGET_NODE_SCRIPT, HEARTBEAT_SCRIPT } from './node-scripts';
import { OrphanedRooms } from './orphaned-rooms';
import { asInteger, asStringList } from './room-record-codec';
import { inSlices } from './sliced-work';

export interface RedisNodeRegistryOptions {
  readonly connection: RedisConnection;
  readonly keys: RedisKeys;
  readonly nodeId: string;
  /**
   * Where clients reach this node's WebSocket endpoint; handed out with `wrongNode` and by the placement
   * route. Undefined until known (an ephemeral port): the node then stays out of placement until announce().
   */
  readonly publicUrl: string | undefined;
  /** This node's load (live connections or participants) at the moment of each heartbeat. */
  readonly load: () => number;
  readonly rooms: HostedRooms;
  readonly leases: RoomLeases;
  /** TTL of a room's fence (see room-scripts.ts), given to the reap script. */
  readonly fenceTtlMs: number;
  /** Lifetime of the registry's keys after the last heartbeat (a dead node's entries outlive it that long). */
  readonly indexTtlMs: number;
  readonly heartbeatMs: number;
  readonly expiryMs: number;
  readonly logger: Logger;
}

/** What placement needs to know about the nodes. */
export interface NodeDirectory {
  readonly nodeId: string;
  /** This node's public URL, or '' while it is not known yet. */
  readonly publicUrl: string;
  /** Registered node ids as of the last heartbeat, this node included. */
  knownNodeIds(): readonly string[];
}

/**
 * Announces this node in Redis and keeps it alive: every `heartbeatMs` it sets its heartbeat key (which
 * expires after `expiryMs`), its URL, its load and its room index, extends its rooms' keys, and reaps
 * nodes whose heartbeat expired. A reaper takes a per-dead-node lock (SET NX) and every deletion is
 * conditional on the dead node still owning the room, so two nodes reaping at once do no harm.
 */
export class RedisNodeRegistry implements NodeDirectory {
  readonly nodeId: string;
  private url: string | undefined;
  private known: readonly string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private beating: Promise<void> | undefined;
  private beatAgain = false;
  private draining = false;
  private failing = false;
  private readonly reaped: FreedRoomListeners;
  private readonly orphans: OrphanedRooms;

  constructor(private readonly options: RedisNodeRegistryOptions) {
    assertLiveness(options);
    this.orphans = new OrphanedRooms({ ...options, leaseTtlMs: options.expiryMs });
    this.nodeId = options.nodeId;
    this.url = options.publicUrl;
    this.known = [options.nodeId];
    this.reaped = new FreedRoomListeners(options.logger, 'reaped');
    options.connection.onConnected(async () => {
      if (this.running) await this.beat();
    });
  }

  /** Called with each room this node frees because its host died (not for its own rooms at a graceful stop). */
  onRoomReaped(listener: (room: DepartedRoom) => void): void {
    this.reaped.add(listener);
  }

  /** Registers this node at once (awaited) and keeps beating until stop(). */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.options.leases.start();
    const started = performance.now();
    await this.beat();
    this.schedule(started);
  }

  /**
   * Stops beating. With `deregister` (the default, for a graceful shutdown) the node also removes its
   * heartbeat, registry entries and any rooms still recorded as its own; without, it just falls silent,
   * exactly as a crashed node would, and the others reap it after the expiry.
   */
  async stop(options: { deregister?: boolean } = {}): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.options.leases.stop();
    await this.beating;
    if (options.deregister === false) return;
    const { connection, keys } = this.options;
    try {
      await connection.call('deregister', (client) => client.del(keys.nodes.alive(this.nodeId)));
      await this.reapNode(this.nodeId, { lock: false });
    } catch (error) {
      this.options.logger.warn({ err: error, nodeId: this.nodeId }, 'could not deregister from Redis; other nodes reap this node after the expiry');
    }
  }

  get publicUrl(): string {
    return this.url ?? '';
  }

  /** The node now knows where clients reach it (after it started listening); it registers at once. */
  async announce(publicUrl: string): Promise<void> {
    this.url = publicUrl;
    if (this.running) await this.beat();
  }

  knownNodeIds(): readonly string[] {
    return this.known;
  }

  /** One heartbeat now; if one is running, another right after it (so a reconnect is never missed). */
  async beat(): Promise<void> {
    if (this.beating) {
      this.beatAgain = true;
      return this.beating;
    }
    this.beating = (async () => {
      do {
        this.beatAgain = false;
        await this.beatOnce();
      } while (this.beatAgain && this.running);
    })().finally(() => (this.beating = undefined));
    return this.beating;
  }

  /** Finds nodes whose heartbeat expired and removes their rooms and entries. Returns the rooms this call removed. */
  async reapDeadNodes(registered?: readonly string[]): Promise<number> {
    const { connection, keys } = this.options;
    // Right after Redis failed this node, the others' heartbeats may have failed the same way (a shared
    // outage, a frozen Redis): their keys lapsed, yet they live and serve. Each gets one expiry to renew.
    if (connection.troubledWithin(this.options.expiryMs)) return 0;
    // Seats held for members of hosts that are gone, whose time may have run out (whichever node left them).
    for (const departed of await this.orphans.revisitDue()) this.reaped.tell(departed);
    const all = registered ?? asStringList(await connection.call('reap/nodes', (client) => client.smembers(keys.nodes.all)));
    const others = all.filter((id) => id !== this.nodeId);
    if (others.length === 0) return 0;
    const [deadSince, ...dead] = asStringList(
      await connection.call('reap/dead', (client) => DEAD_NODES_SCRIPT.run(client, others.map((id) => keys.nodes.alive(id)), others)),
    );
    let reaped = 0;
    for (const nodeId of dead) reaped += await this.reapNode(nodeId, { lock: true, ...(deadSince !== undefined ? { deadSince } : {}) });
    return reaped;
  }

  private async beatOnce(): Promise<void> {
    const { connection, keys, rooms, logger } = this.options;
    try {
      const roomIds = rooms.hostedRoomIds();
      const url = this.url;
      const sentAt = this.options.leases.clock();
      // Without a URL to hand out, registering would send clients nowhere; rooms are still refreshed.
      const registered = asStringList(
        url !== undefined
          ? await connection.call('heartbeat', (client) =>
              HEARTBEAT_SCRIPT.run(
                client,
                [...this.registryKeys(this.nodeId)],
                [this.nodeId, url, this.currentLoad(), this.options.expiryMs, this.options.indexTtlMs, ...roomIds],
              ),
            )
          : await connection.call('heartbeat/nodes', (client) => client.smembers(keys.nodes.all)),
      );
      if (url !== undefined) this.options.leases.aliveRenewed(sentAt);
      this.known = [...new Set([...registered, this.nodeId])];
      // Renewals spread over the first half of the interval; reaping goes on meanwhile, not after them.
      const [refreshed, reaped] = await Promise.allSettled([
        rooms.refreshHostedRooms(this.options.heartbeatMs / 2),
        this.reapDeadNodes(registered),
      ]);
      if (refreshed.status === 'rejected') throw refreshed.reason;
      if (reaped.status === 'rejected') throw reaped.reason;
      if (this.failing) logger.info({ nodeId: this.nodeId }, 'heartbeat restored');
      this.failing = false;
    } catch (error) {
      // Once per outage: a down Redis would otherwise log every few seconds.
      if (!this.failing) logger.warn({ err: error, nodeId: this.nodeId }, 'heartbeat failed; retrying every interval');
      this.failing = true;
    }
  }

  /**
   * The node is shutting down: from now on it reports a load no live node can reach, so lookups stop
   * placing new rooms here while its own rooms drain (they keep their claims until released).
   */
  async beginDrain(): Promise<void> {
    this.draining = true;
    if (this.running) await this.beat();
  }

  private currentLoad(): number {
    if (this.draining) return DRAINING_LOAD;
    try {
      const load = Math.round(this.options.load());
      return Number.isFinite(load) && load >= 0 ? load : 0;
    } catch {
      return 0;
    }
  }

  /** `deadSince`: Redis's time when a reaper found the node dead; rooms it renewed since are its own again. */
  private async reapNode(nodeId: string, options: { lock: boolean; deadSince?: string }): Promise<number> {
    const { connection, keys, logger } = this.options;
    if (options.lock) {
      const locked = await connection.call('reap/lock', (client) =>
        client.set(keys.nodes.reapLock(nodeId), this.nodeId, 'PX', this.options.expiryMs, 'NX'),
      );
      if (locked !== 'OK') return 0;
    }
    try {
      const roomIds = asStringList(await connection.call('reap/rooms', (client) => client.smembers(keys.nodes.rooms(nodeId))));
      const own = nodeId === this.nodeId;
      let rooms = 0;
      // A dead node's rooms are reaped in slices over half a heartbeat (at once at a graceful stop), not
      // all in one turn: the reaper serves its own clients meanwhile.
      await inSlices(roomIds, own ? 0 : this.options.heartbeatMs / 2, async (roomId) => {
        // Members whose seats are held stay until their grace ends; the others are reported gone now.
        const outcome = await this.orphans.reap(roomId, 'dead', { node: nodeId, ...(options.deadSince !== undefined ? { deadSince: options.deadSince } : {}) });
        if (!outcome.applied) return;
        rooms += 1;
        // At a graceful stop this node's members already departed the normal way.
        if (outcome.departed && !own) this.reaped.tell(outcome.departed);
      });
      const forgotten = await connection.call('reap/forget', (client) =>
        FORGET_NODE_SCRIPT.run(client, [...this.registryKeys(nodeId)], [nodeId]),
      );
      if (!own) {
        logger.warn({ deadNode: nodeId, rooms, forgotten: asInteger(forgotten) === 1, by: this.nodeId }, 'reaped a dead signaling node');
      }
      return rooms;
    } finally {
      // Also when a call failed half-way (a slow Redis): the next heartbeat, here or elsewhere, tries
      // again at once instead of waiting out the lock. Every deletion is conditional, so a retry is safe.
      if (options.lock) {
        await connection.call('reap/unlock', (client) => client.del(keys.nodes.reapLock(nodeId))).catch(() => undefined);
      }
    }
  }

  /** all, urls, loads, alive, rooms, claims, roomcounts: the KEYS of the heartbeat and forget scripts. */
  private registryKeys(nodeId: string): readonly string[] {
    const { nodes } = this.options.keys;
    return [nodes.all, nodes.urls, nodes.loads, nodes.alive(nodeId), nodes.rooms(nodeId), nodes.claims(nodeId), nodes.roomCounts];
  }

  /**
   * The next beat is planned one interval after the last one was planned (at once if that one overran),
   * not one interval after it ended: a room renewed k ms into one beat is renewed k ms into the next, so
   * its lease is renewed once per interval even though the renewals are spread over half of it. Planned,
   * not when its timer fired: a timer firing 30 ms late on a busy machine would otherwise push every later
   * beat back by as much, and the gaps between renewals would grow past the interval (a CI run measured a
   * median of 1.13 intervals).
   */
  private schedule(lastPlannedAt: number): void {
    if (!this.running) return;
    const { heartbeatMs } = this.options;
    const plannedAt = lastPlannedAt + heartbeatMs;
    this.timer = setTimeout(() => {
      // A beat that overran by a whole interval or more is not caught up with: the plan restarts from now.
      const now = performance.now();
      const anchor = now - plannedAt < heartbeatMs ? plannedAt : now;
      this.beat().finally(() => this.schedule(anchor));
    }, Math.max(0, plannedAt - performance.now()));
    this.timer.unref();
  }
}
