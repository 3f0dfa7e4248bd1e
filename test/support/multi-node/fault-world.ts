import fc from 'fast-check';
import type { TestPresenceServer } from '../presence-server';
import { TEST_EXPIRY_MS, type SignalingNodes } from '../redis/signaling-nodes';
import type { SignalingClient, WireMessage } from '../signaling-client';
import {
  applyPresenceRule,
  keysWithoutTtl,
  recordedMembers,
  servedRooms,
  ServingSampler,
  sleep,
  startFaultCluster,
  type FaultCluster,
  type StateTarget,
} from './fault-lab';

export const USERS = ['ann', 'ben', 'cat', 'dan', 'eve'] as const;
export const ROOMS = ['r1', 'r2'] as const;
export const CAPACITY = 3;
const SETTLE_MS = 15_000;

interface Member {
  client: SignalingClient;
  room: string;
  /** The WebSocket URL of the node it joined through. */
  nodeUrl: string;
}

/** Figures of one schedule, for the report. */
export interface ScheduleFigures {
  steps: number;
  joins: number;
  refusedJoins: number;
  movedClients: number;
  checks: number;
}

/**
 * The system under test for the randomized schedules: three signaling node processes on one Redis (or a
 * cluster), a presence server, and the clients of five users over two rooms of capacity 3. What a client
 * believes (it got `existingParticipants` and its connection is still open) is the truth everything else
 * is held to.
 */
export class FaultWorld {
  readonly members = new Map<string, Member>();
  readonly figures: ScheduleFigures = { steps: 0, joins: 0, refusedJoins: 0, movedClients: 0, checks: 0 };
  readonly log: string[] = [];
  private sampler: ServingSampler | undefined;

  private constructor(
    readonly target: StateTarget,
    private readonly lab: FaultCluster,
  ) {}

  get cluster(): SignalingNodes {
    return this.lab.cluster;
  }

  get presence(): TestPresenceServer {
    return this.lab.presence;
  }

  get prefix(): string {
    return this.lab.prefix;
  }

  static async start(target: StateTarget): Promise<FaultWorld> {
    const world = new FaultWorld(target, await startFaultCluster(target, { ROOM_CAPACITY: String(CAPACITY) }));
    world.sampler = new ServingSampler(world.cluster.nodes);
    return world;
  }

  async stop(): Promise<void> {
    await this.sampler?.stop();
    await this.target.thaw().catch(() => undefined);
    await this.lab.stop();
    await this.target.stop();
  }

  note(line: string): void {
    this.log.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
  }

  /** Who each client believes is in each room: joined and still connected. */
  beliefs(): Map<string, string[]> {
    const rooms = new Map<string, string[]>(ROOMS.map((r) => [r, []]));
    for (const [userId, m] of this.members) {
      if (m.client.closeCode === undefined) rooms.get(m.room)?.push(userId);
    }
    for (const list of rooms.values()) list.sort();
    return rooms;
  }

  /** Forgets clients whose connection closed (their node died, moved them, or they dropped). */
  private prune(): void {
    for (const [userId, m] of this.members) {
      if (m.client.closeCode === undefined) continue;
      if (m.client.received.some((msg) => msg.id === 'error' && msg.code === 'roomMoved')) this.figures.movedClients += 1;
      this.members.delete(userId);
    }
  }

  async join(userId: string, roomId: string, via: number): Promise<void> {
    if (this.members.has(userId)) return;
    this.figures.joins += 1;
    const node = this.cluster.nodes[via]!;
    let client: SignalingClient | undefined;
    try {
      const placement = await this.cluster.locate(roomId, node);
      client = await this.cluster.connect(placement.url);
      client.send({ id: 'joinRoom', userId, roomId, communityId: '1' });
      const reply = await firstReply(client);
      if (reply.id === 'existingParticipants') {
        this.members.set(userId, { client, room: roomId, nodeUrl: placement.url });
        this.note(`${userId} joined ${roomId} at ${placement.nodeId}`);
        return;
      }
      this.note(`${userId} refused in ${roomId} at ${placement.nodeId}: ${String(reply.code ?? reply.id)}`);
    } catch (error) {
      this.note(`${userId} could not join ${roomId}: ${(error as Error).message.slice(0, 120)}`);
    }
    this.figures.refusedJoins += 1;
    await client?.close();
  }

  async leave(userId: string): Promise<void> {
    const m = this.members.get(userId);
    if (!m) return;
    m.client.send({ id: 'leaveRoom', requestId: 'bye' });
    await m.client.next('ack', (msg) => msg.requestId === 'bye', 5_000).catch(() => undefined);
    await m.client.close();
    this.members.delete(userId);
    this.note(`${userId} left`);
  }

  async drop(userId: string): Promise<void> {
    const m = this.members.get(userId);
    if (!m) return;
    m.client.socket.terminate();
    await m.client.waitClosed(5_000).catch(() => undefined);
    this.members.delete(userId);
    this.note(`${userId} dropped`);
  }

  async toggle(userId: string): Promise<void> {
    const m = this.members.get(userId);
    if (!m || m.client.closeCode !== undefined) return;
    m.client.send({ id: 'audioStateFrom', userId, audio: false });
    await m.client.next('audioStateAnswer', (msg) => msg.userId === userId, 3_000).catch(() => undefined);
  }

  async killAndRestart(index: number): Promise<void> {
    const node = this.cluster.nodes[index]!;
    this.note(`SIGKILL ${node.nodeId}`);
    await this.cluster.restart(node);
    this.note(`${node.nodeId} restarted`);
  }

  /**
   * While the node is stopped its members go on signaling each other (the kernel holds what they send).
   * Past the expiry another node may take their room: nothing they sent may then reach anyone. A short
   * pause loses nothing: all of it is relayed once the node runs again.
   */
  async pauseNode(index: number, ms: number): Promise<void> {
    const node = this.cluster.nodes[index]!;
    this.note(`SIGSTOP ${node.nodeId} for ${ms} ms`);
    node.process.child.kill('SIGSTOP');
    const marker = `v=0 sent-while-paused-${this.figures.steps}`;
    const senders = [...this.members].filter(([, m]) => m.nodeUrl === node.wsUrl && m.client.closeCode === undefined);
    let sent = 0;
    for (const [userId, m] of senders) {
      const peer = senders.find(([other, o]) => other !== userId && o.room === m.room);
      if (!peer) continue;
      m.client.send({ id: 'peerOffer', userId: peer[0], sdpOffer: marker });
      sent += 1;
    }
    await sleep(ms);
    node.process.child.kill('SIGCONT');
    this.pausedRelays.push({ marker, sent, lapsed: ms >= TEST_EXPIRY_MS });
  }

  /** Pauses the node that hosts `roomId` now (as its members reached it), or node 1 when nobody is in it. */
  async pauseHostOf(roomId: string, ms: number): Promise<void> {
    const hostUrl = [...this.members.values()].find((m) => m.room === roomId && m.client.closeCode === undefined)?.nodeUrl;
    const index = Math.max(0, this.cluster.nodes.findIndex((n) => n.wsUrl === hostUrl));
    await this.pauseNode(index, ms);
  }

  /** What members of paused nodes sent during the pause, checked once the step settled. */
  private readonly pausedRelays: { marker: string; sent: number; lapsed: boolean }[] = [];

  private relayedWhilePaused(marker: string): number {
    let count = 0;
    for (const m of this.members.values()) count += m.client.received.filter((msg) => msg.sdpOffer === marker).length;
    return count;
  }

  async pauseRedis(ms: number): Promise<void> {
    this.note(`SIGSTOP Redis for ${ms} ms`);
    await this.target.freeze();
    await sleep(ms);
    await this.target.thaw();
  }

  async restartRedis(): Promise<void> {
    if (!this.target.restart) return;
    this.note('Redis restarted empty');
    await this.target.restart();
  }

  /**
   * The invariants, once the system had time to settle after a step: one host per room and never more
   * members served than the capacity (at every sample taken so far), and, eventually, Redis and presence
   * agreeing with what the clients believe, and no key without an expiry.
   */
  async check(): Promise<void> {
    this.figures.checks += 1;
    this.figures.steps += 1;
    const violations = this.sampledViolations();
    if (violations.length > 0) throw new Error(`invariant broken: ${violations.join('; ')}\n${this.log.join('\n')}`);
    for (const relay of this.pausedRelays.splice(0)) {
      // Past the expiry the room is another node's (or nobody's): the old host must not relay what it read late.
      if (relay.lapsed) await sleep(500);
      const relayed = this.relayedWhilePaused(relay.marker);
      if (relay.lapsed && relayed > 0) throw new Error(`invariant broken: ${relayed} offers sent to a node paused past its lease were relayed\n${this.log.join('\n')}`);
      // A pause the lease outlives costs nothing: what was sent meanwhile is relayed once it ends.
      if (!relay.lapsed && relay.sent > 0) {
        const deadline = Date.now() + 3_000;
        while (this.relayedWhilePaused(relay.marker) < relay.sent && Date.now() < deadline) await sleep(20);
        if (this.relayedWhilePaused(relay.marker) < relay.sent) {
          throw new Error(`a short pause lost signaling: ${this.relayedWhilePaused(relay.marker)} of ${relay.sent} offers relayed\n${this.log.join('\n')}`);
        }
      }
    }
    const deadline = Date.now() + SETTLE_MS;
    let last = '';
    for (;;) {
      this.prune();
      last = await this.disagreement();
      if (last === '') return;
      if (Date.now() > deadline) throw new Error(`did not settle within ${SETTLE_MS} ms: ${last}\n${this.log.join('\n')}`);
      await sleep(100);
    }
  }

  private sampledViolations(): string[] {
    const found: string[] = [];
    for (const roomId of ROOMS) {
      for (const s of this.sampler?.servingOf(roomId) ?? []) {
        if (s.nodes.length > 1) found.push(`${roomId} served by ${s.nodes.join(' and ')} at ${s.at}`);
        if (s.members > CAPACITY) found.push(`${roomId} served with ${s.members} members at ${s.at}`);
      }
    }
    return [...new Set(found)].slice(0, 5);
  }

  /** '' when Redis, the serving nodes and presence all say what the clients believe. */
  private async disagreement(): Promise<string> {
    const beliefs = this.beliefs();
    const { present } = applyPresenceRule(this.presence.messages());
    const served = (await Promise.all(this.cluster.nodes.map((n) => servedRooms(n, 1_000)))).flatMap((r) => r ?? []);
    for (const [roomId, believed] of beliefs) {
      if (believed.length > CAPACITY) return `${roomId}: ${believed.length} clients believe they are in it`;
      const recorded = await recordedMembers(this.target, this.prefix, roomId);
      if (recorded.join() !== believed.join()) return `${roomId}: Redis holds [${recorded}], clients believe [${believed}]`;
      const servers = served.filter((r) => r.roomId === roomId && r.members.length > 0);
      const serving = servers.filter((r) => r.serving);
      if (serving.length > 1 || servers.length > serving.length) return `${roomId}: held by ${servers.map((r) => `${r.nodeId}${r.serving ? '' : '(unconfirmed)'}`)}`;
      const servedMembers = [...(serving[0]?.members ?? [])].sort();
      if (servedMembers.join() !== believed.join()) return `${roomId}: served [${servedMembers}], clients believe [${believed}]`;
      const shown = [...(present.get(roomId) ?? [])].sort();
      if (shown.join() !== believed.join()) return `${roomId}: presence shows [${shown}], clients believe [${believed}]`;
    }
    const untimed = await keysWithoutTtl(this.target.servers, this.prefix);
    if (untimed.length > 0) return `keys without expiry: ${untimed.join(', ')}`;
    return '';
  }
}

const firstReply = async (client: SignalingClient): Promise<WireMessage> => {
  const deadline = Date.now() + 8_000;
  for (;;) {
    const reply = client.received.find((m) => m.id === 'existingParticipants' || m.id === 'error');
    if (reply) return reply;
    if (client.closeCode !== undefined) return { id: 'closed', code: client.closeCode };
    if (Date.now() > deadline) throw new Error('no reply to joinRoom');
    await sleep(10);
  }
};

export type Model = Record<string, never>;
export type Cmd = fc.AsyncCommand<Model, FaultWorld>;

const command = (label: string, act: (w: FaultWorld) => Promise<void>): Cmd => ({
  check: () => true,
  run: async (_model, world) => {
    world.note(`-- ${label}`);
    await act(world);
    await world.check();
  },
  toString: () => label,
});

const user = fc.constantFrom(...USERS);
const room = fc.constantFrom(...ROOMS);
const node = fc.integer({ min: 0, max: 2 });
/** Shorter than the expiry (nothing may happen) or twice as long (leases lapse, rooms move). */
const pause = fc.constantFrom(TEST_EXPIRY_MS / 3, TEST_EXPIRY_MS * 2);

/** One step of a schedule, weighted: joins come most often so that the faults hit rooms with people in them. */
export const faultStep = (options: { redisRestart: boolean }): fc.Arbitrary<Cmd> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.tuple(user, room, node).map(([u, r, n]) => command(`join ${u} ${r} via node-${n + 1}`, (w) => w.join(u, r, n))) },
    { weight: 1, arbitrary: user.map((u) => command(`leave ${u}`, (w) => w.leave(u))) },
    { weight: 1, arbitrary: user.map((u) => command(`drop ${u}`, (w) => w.drop(u))) },
    { weight: 1, arbitrary: user.map((u) => command(`toggle ${u}`, (w) => w.toggle(u))) },
    { weight: 1, arbitrary: node.map((n) => command(`SIGKILL+restart node-${n + 1}`, (w) => w.killAndRestart(n))) },
    { weight: 1, arbitrary: fc.tuple(node, pause).map(([n, ms]) => command(`SIGSTOP node-${n + 1} ${ms} ms`, (w) => w.pauseNode(n, ms))) },
    { weight: 2, arbitrary: fc.tuple(room, pause).map(([r, ms]) => command(`SIGSTOP the host of ${r} ${ms} ms`, (w) => w.pauseHostOf(r, ms))) },
    { weight: 1, arbitrary: pause.map((ms) => command(`SIGSTOP Redis ${ms} ms`, (w) => w.pauseRedis(ms))) },
    { weight: options.redisRestart ? 1 : 0, arbitrary: fc.constant(command('restart Redis empty', (w) => w.restartRedis())) },
  );
