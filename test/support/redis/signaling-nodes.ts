import { startNodeProcess, type NodeProcess } from '../node-process';
import { SignalingClient, type WireMessage } from '../signaling-client';
import { freePort } from './free-port';

/** Heartbeat and expiry short enough for tests, long enough for a busy two-core machine. */
export const TEST_HEARTBEAT_MS = 250;
export const TEST_EXPIRY_MS = 1_500;

export interface SignalingNode {
  readonly nodeId: string;
  readonly port: number;
  /** The public WebSocket URL the node registers, as the placement route hands it out. */
  readonly wsUrl: string;
  readonly httpUrl: string;
  process: NodeProcess;
  /** The whole environment it was started with, to start it again the same way. */
  readonly env: Record<string, string>;
}

export interface Placement {
  readonly roomId: string;
  readonly nodeId: string;
  readonly url: string;
}

/**
 * Signaling nodes as separate processes on one Redis, each on a fixed free port (so PUBLIC_URL is the
 * real address and a restarted node would come back at the same one).
 */
export class SignalingNodes {
  readonly nodes: SignalingNode[] = [];
  private readonly clients = new Set<SignalingClient>();

  constructor(private readonly env: Record<string, string>) {}

  async start(count: number): Promise<SignalingNode[]> {
    const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
    const outcomes = await Promise.allSettled(
      ports.map(async (port, i) => {
        const nodeId = `node-${this.nodes.length + i + 1}`;
        const env = {
          STATE_STORE: 'redis',
          NODE_ID: nodeId,
          PORT: String(port),
          // 'info' at least: startNodeProcess waits for the node's "listening" info line.
          LOG_LEVEL: 'info',
          REDIS_HEARTBEAT_MS: String(TEST_HEARTBEAT_MS),
          REDIS_NODE_EXPIRY_MS: String(TEST_EXPIRY_MS),
          REDIS_COMMAND_TIMEOUT_MS: '500',
          // Every test client comes from 127.0.0.1.
          MAX_CONNECTIONS_PER_IP: '10000',
          JOINS_PER_MINUTE: '10000',
          ROOM_LOOKUPS_PER_MINUTE: '100000',
          ...this.env,
        };
        const process = await startNodeProcess(env, 30_000);
        return { nodeId, port, process, env, wsUrl: `ws://127.0.0.1:${port}/rtc/websocket`, httpUrl: `http://127.0.0.1:${port}` };
      }),
    );
    const started = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    this.nodes.push(...started);
    // One node failed to start: the ones that did are stopped by stopAll(), never left running.
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
    return started;
  }

  /** Starts a node that died again, with the same id, port and settings (as a supervisor would). */
  async restart(node: SignalingNode): Promise<void> {
    await node.process.stop('SIGKILL');
    node.process = await startNodeProcess(node.env, 30_000);
  }

  byId(nodeId: string): SignalingNode {
    const node = this.nodes.find((n) => n.nodeId === nodeId);
    if (!node) throw new Error(`no node ${nodeId}`);
    return node;
  }

  byUrl(url: string): SignalingNode {
    const node = this.nodes.find((n) => n.wsUrl === url);
    if (!node) throw new Error(`no node at ${url}`);
    return node;
  }

  /** Asks `via` which node serves the room (GET /v1/rooms/:roomId/node). */
  async locate(roomId: string, via: SignalingNode): Promise<Placement> {
    const res = await fetch(`${via.httpUrl}/v1/rooms/${encodeURIComponent(roomId)}/node`, { signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as Record<string, unknown>;
    if (res.status !== 200) throw new Error(`room lookup at ${via.nodeId} answered ${res.status}: ${JSON.stringify(body)}`);
    return { roomId, nodeId: String(body.nodeId), url: String(body.url) };
  }

  async connect(url: string): Promise<SignalingClient> {
    const client = await SignalingClient.connect(url);
    this.clients.add(client);
    return client;
  }

  /**
   * What a real client does: ask any node where the room lives, then join there, following `wrongNode` to
   * the node it names (a lookup's claim lasts one heartbeat, and under load another lookup may have placed
   * the room before this client got there). The placement returned is where the join landed.
   */
  async joinViaPlacement(
    userId: string,
    roomId: string,
    via: SignalingNode,
    /** More joinRoom fields (`resumable: true`). */
    extra: Record<string, unknown> = {},
  ): Promise<{ client: SignalingClient; placement: Placement; joined: WireMessage }> {
    let placement = await this.locate(roomId, via);
    for (let hop = 0; ; hop += 1) {
      const client = await this.connect(placement.url);
      client.send({ id: 'joinRoom', userId, roomId, communityId: '1', audio: true, video: true, ...extra });
      const joined = await firstOf(client, ['existingParticipants', 'error'], 15_000);
      if (joined.id !== 'error') return { client, placement, joined };
      const details = joined.details as { nodeId?: string; nodeUrl?: string } | undefined;
      if (joined.code !== 'wrongNode' || hop >= 2 || !details?.nodeId || !details.nodeUrl) {
        throw new Error(`join of ${userId} to ${roomId} at ${placement.nodeId} refused: ${JSON.stringify(joined)}`);
      }
      await client.close();
      placement = { roomId, nodeId: details.nodeId, url: details.nodeUrl };
    }
  }

  /**
   * What a resumable client does after its connection died: look the room up (through any of `vias`, in
   * turn), connect where it is sent and send `resumeSession`, following `wrongNode`, and trying again while
   * the room's node cannot be reached or the room is being moved. Rejects at once on any other refusal
   * (`resumeFailed`), or when `timeoutMs` passed.
   */
  async resumeViaPlacement(
    resumeToken: string,
    roomId: string,
    vias: readonly SignalingNode[],
    timeoutMs: number,
  ): Promise<{ client: SignalingClient; placement: Placement; resumed: WireMessage; attempts: number }> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 1; ; attempt += 1) {
      let refusal: WireMessage | undefined;
      try {
        let placement = await this.locate(roomId, vias[attempt % vias.length]!);
        for (let hop = 0; hop < 3; hop += 1) {
          const client = await this.connect(placement.url);
          client.send({ id: 'resumeSession', resumeToken });
          const reply = await firstOf(client, ['existingParticipants', 'error'], 10_000);
          if (reply.id === 'existingParticipants') return { client, placement, resumed: reply, attempts: attempt };
          await client.close();
          const details = reply.details as { nodeId?: string; nodeUrl?: string } | undefined;
          if (reply.code === 'wrongNode' && details?.nodeId && details.nodeUrl) {
            placement = { roomId, nodeId: details.nodeId, url: details.nodeUrl };
            continue;
          }
          if (reply.code !== 'stateStoreUnavailable') refusal = reply;
          break;
        }
      } catch {
        // The node the lookup named is down (not reaped yet), or the lookup itself failed: ask again.
      }
      if (refusal) throw new Error(`resume refused: ${JSON.stringify(refusal)}`);
      if (Date.now() > deadline) throw new Error(`could not resume in ${roomId} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async closeClients(): Promise<void> {
    await Promise.all([...this.clients].map((c) => c.close()));
    this.clients.clear();
  }

  async stopAll(): Promise<void> {
    await this.closeClients();
    await Promise.all(this.nodes.map((n) => n.process.stop('SIGTERM')));
  }
}

/** Takes the first message (already received or still to come) whose id is one of `ids`. */
export const firstOf = async (client: SignalingClient, ids: readonly string[], timeoutMs: number): Promise<WireMessage> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const index = client.received.findIndex((m) => ids.includes(m.id));
    if (index >= 0) return client.received.splice(index, 1)[0]!;
    if (Date.now() > deadline) throw new Error(`none of ${ids.join(', ')} within ${timeoutMs} ms; got ${JSON.stringify(client.received).slice(0, 1_000)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};
