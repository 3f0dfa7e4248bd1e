import { Redis } from 'ioredis';
import { RedisKeys } from '../../../src/adapters/redis';
import { TestPresenceServer } from '../presence-server';
import { startRedis, startRedisCluster } from '../redis-fixture';
import { uniquePrefix } from '../redis/redis-node-harness';
import { SignalingNodes, TEST_EXPIRY_MS, TEST_HEARTBEAT_MS } from '../redis/signaling-nodes';
import type { SignalingNode } from '../redis/signaling-nodes';

export const ADMIN_TOKEN = 'fault-lab-admin-token-0123456789';

export interface ServedRoom {
  readonly nodeId: string;
  readonly roomId: string;
  readonly serving: boolean;
  readonly members: readonly string[];
}

/** What one node says it serves, from its admin API; undefined when it does not answer in time (paused, dead). */
export const servedRooms = async (node: SignalingNode, timeoutMs = 250): Promise<ServedRoom[] | undefined> => {
  try {
    const res = await fetch(`${node.httpUrl}/v1/admin/rooms`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.status !== 200) return undefined;
    const body = (await res.json()) as { rooms: { roomId: string; serving: boolean; participants: { userId: string }[] }[] };
    return body.rooms.map((r) => ({ nodeId: node.nodeId, roomId: r.roomId, serving: r.serving, members: r.participants.map((p) => p.userId) }));
  } catch {
    return undefined;
  }
};

export interface Answer {
  readonly at: number;
  readonly nodeId: string;
  readonly rooms: readonly ServedRoom[];
}

/**
 * Asks each node's admin API, every `everyMs`, which rooms it serves, each node on its own loop so a
 * paused node does not slow the others. An answer is stamped when it arrives: a paused node answers after
 * it resumes, with what it serves then. A node's answer stands for what it serves until `freshMs` later;
 * a node that has not answered since is not counted as serving anything (it is paused or dead).
 */
export class ServingSampler {
  readonly answers: Answer[] = [];
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(
    nodes: readonly SignalingNode[],
    private readonly everyMs = 20,
    private readonly freshMs = 150,
  ) {
    this.loops = nodes.map(async (node) => {
      while (this.running) {
        const rooms = await servedRooms(node);
        if (rooms) this.answers.push({ at: Date.now(), nodeId: node.nodeId, rooms });
        await new Promise((resolve) => setTimeout(resolve, this.everyMs));
      }
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /**
   * At each answer from `since` on: which nodes serve `roomId` by their latest fresh answers, and how
   * many members they serve in it together.
   */
  servingOf(roomId: string, since = 0): { at: number; nodes: string[]; members: number }[] {
    const ordered = [...this.answers].sort((a, b) => a.at - b.at);
    const latest = new Map<string, Answer>();
    const timeline: { at: number; nodes: string[]; members: number }[] = [];
    for (const answer of ordered) {
      latest.set(answer.nodeId, answer);
      if (answer.at < since) continue;
      const serving = [...latest.values()]
        .filter((a) => answer.at - a.at <= this.freshMs)
        .flatMap((a) => a.rooms.filter((r) => r.roomId === roomId && r.serving));
      timeline.push({ at: answer.at, nodes: serving.map((r) => r.nodeId), members: serving.reduce((n, r) => n + r.members.length, 0) });
    }
    return timeline;
  }
}

export interface PresenceLine {
  readonly type: string;
  readonly user_id: string;
  readonly channel_id: string;
  readonly event_id: string;
  readonly timestamp: number;
}

/**
 * The receiver rule docs/presence.md gives: per (user, room), apply an event only if its timestamp is
 * later than the last one applied; `enter` puts the user in the room, anything else takes it out. Returns
 * the users present per room, and the events the rule discarded (stale or duplicate).
 */
export const applyPresenceRule = (messages: readonly Record<string, unknown>[]): { present: Map<string, Set<string>>; discarded: number } => {
  const last = new Map<string, number>();
  const present = new Map<string, Set<string>>();
  let discarded = 0;
  for (const m of messages as unknown as PresenceLine[]) {
    const key = `${m.user_id}\u0000${m.channel_id}`;
    const previous = last.get(key);
    if (previous !== undefined && m.timestamp <= previous) {
      discarded += 1;
      continue;
    }
    last.set(key, m.timestamp);
    const members = present.get(m.channel_id) ?? new Set<string>();
    if (m.type === 'enter') members.add(m.user_id);
    else members.delete(m.user_id);
    present.set(m.channel_id, members);
  }
  return { present, discarded };
};

/** Every key under `prefix` that has no expiry, on each given Redis server (every master of a cluster). */
export const keysWithoutTtl = async (servers: readonly { host: string; port: number }[], prefix: string): Promise<string[]> => {
  const found: string[] = [];
  for (const server of servers) {
    const client = new Redis({ host: server.host, port: server.port, lazyConnect: true, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        for (const key of keys) if ((await client.pttl(key)) === -1) found.push(key);
      } while (cursor !== '0');
    } finally {
      client.disconnect();
    }
  }
  return found.sort();
};

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Where the nodes keep their state: one Redis or a 3-master cluster, with the faults a test applies to it. */
export interface StateTarget {
  readonly label: string;
  /** What a node needs in its environment to use it. */
  readonly env: Record<string, string>;
  /** Every server holding keys (each master of a cluster). */
  readonly servers: readonly { host: string; port: number }[];
  /** SIGSTOP every server: connections stay open, nothing is answered. */
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  /** Kills Redis and starts it empty on the same port (one server only). */
  restart?(): Promise<void>;
  stop(): Promise<void>;
}

export const oneRedis = async (): Promise<StateTarget> => {
  const redis = await startRedis();
  return {
    label: 'one Redis',
    env: { REDIS_URL: redis.url },
    servers: [{ host: '127.0.0.1', port: redis.port }],
    freeze: () => redis.freeze(),
    thaw: () => redis.thaw(),
    restart: () => redis.restart(),
    stop: () => redis.stop(),
  };
};

export const redisCluster = async (): Promise<StateTarget> => {
  const cluster = await startRedisCluster();
  return {
    label: 'a 3-master Redis Cluster',
    env: { REDIS_CLUSTER_NODES: cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',') },
    servers: cluster.nodes,
    freeze: () => cluster.freeze(),
    thaw: () => cluster.thaw(),
    stop: () => cluster.stop(),
  };
};

/** The members the shared record holds for a room, read from whichever server has its key. */
export const recordedMembers = async (target: StateTarget, prefix: string, roomId: string): Promise<string[]> => {
  const key = new RedisKeys(prefix).room(roomId).members;
  for (const server of target.servers) {
    const client = new Redis({ host: server.host, port: server.port, lazyConnect: true, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const fields = await client.hgetall(key);
      return Object.keys(fields)
        .filter((f) => f.startsWith('conn:'))
        .map((f) => f.slice('conn:'.length))
        .sort();
    } catch {
      // MOVED: the key lives on another master.
    } finally {
      client.disconnect();
    }
  }
  return [];
};

/**
 * Runs a test body; if it fails, writes to stderr what each node logged about `roomId` (and its warnings)
 * and what presence heard, then fails as it would have. The multi-node tests fail only under timings CI
 * hits now and then: this is how such a failure gets explained (resume-across-nodes' was a redelivered
 * presence event).
 */
export const explainOnFailure = async (lab: FaultCluster, label: string, roomId: string, body: () => Promise<void>): Promise<void> => {
  try {
    await body();
  } catch (error) {
    const lines = lab.cluster.nodes.flatMap((n) =>
      n.process.output.filter((l) => l.includes(roomId) || l.includes('dead') || l.includes('"level":40') || l.includes('"level":50')).map((l) => `${n.nodeId} ${l}`),
    );
    process.stderr.write(`[${label}] failed; node logs about ${roomId} and warnings:\n${lines.join('\n')}\npresence: ${JSON.stringify(lab.presence.messages())}\n`);
    throw error;
  }
};

/** Three node processes on a state target, with the admin API on and a presence server to report to. */
export interface FaultCluster {
  readonly presence: TestPresenceServer;
  readonly cluster: SignalingNodes;
  readonly prefix: string;
  /** Resumes anything paused, then stops the nodes and the presence server (not the target). */
  stop(): Promise<void>;
}

/**
 * Starts three nodes that know each other, with the multi-node tests' timing (heartbeat 250 ms, expiry
 * 1.5 s) and presence on: a paused node's presence outbox is taken over by a live node within the expiry.
 */
export const startFaultCluster = async (target: StateTarget, env: Record<string, string> = {}): Promise<FaultCluster> => {
  const presence = await TestPresenceServer.start();
  const prefix = uniquePrefix();
  const redisTimeout = env.REDIS_COMMAND_TIMEOUT_MS ?? '500';
  const cluster = new SignalingNodes({
    ...target.env,
    REDIS_KEY_PREFIX: prefix,
    ADMIN_TOKEN,
    PRESENCE_TCP: `127.0.0.1:${presence.port}`,
    PRESENCE_BACKOFF_BASE_MS: '50',
    PRESENCE_BACKOFF_MAX_MS: '200',
    PRESENCE_OUTBOX_LIVENESS_MS: String(TEST_EXPIRY_MS),
    PRESENCE_REDIS_TIMEOUT_MS: redisTimeout,
    PRESENCE_OUTBOX_SWEEP_MS: String(TEST_HEARTBEAT_MS * 2),
    ...env,
  });
  const stop = async (): Promise<void> => {
    for (const node of cluster.nodes) node.process.child.kill('SIGCONT');
    await cluster.stopAll();
    await presence.stop();
  };
  try {
    await cluster.start(3);
  } catch (error) {
    await stop();
    throw error;
  }
  // Each node has seen the others in a heartbeat, so placement considers all three.
  await sleep(TEST_HEARTBEAT_MS * 3);
  return { presence, cluster, prefix, stop };
};
