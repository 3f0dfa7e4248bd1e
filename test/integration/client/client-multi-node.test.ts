import WebSocket from 'ws';
import { RoomClient, type ReconnectingInfo, type RoomClientOptions } from '../../../packages/client/src/room-client';
import { oneRedis, sleep, startFaultCluster, type FaultCluster, type StateTarget } from '../../support/multi-node/fault-lab';
import { eventually } from '../../support/redis/redis-node-harness';
import { until } from '../../support/wait-until';

jest.setTimeout(120_000);


/**
 * The client library against three node processes on one Redis: it looks rooms up, follows wrongNode,
 * follows roomMoved from a host that was paused and lost the room, and resumes on a new host after its
 * host was SIGKILLed — all without the application doing anything.
 */
describe('client library against three node processes', () => {
  let target: StateTarget;
  let lab: FaultCluster;
  const clients: RoomClient[] = [];
  const client = (options: Partial<RoomClientOptions>): RoomClient => {
    const c = new RoomClient({
      roomId: 'r',
      userId: 'u',
      WebSocket,
      lookupUrl: lab.cluster.nodes.map((n) => n.httpUrl),
      reconnect: { baseMs: 100, maxMs: 400, maxAttempts: 100 },
      ...options,
    });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    target = await oneRedis();
    lab = await startFaultCluster(target, { RESUME_GRACE_MS: '10000' });
  });
  afterEach(async () => {
    for (const node of lab.cluster.nodes) node.process.child.kill('SIGCONT');
    await Promise.all(clients.splice(0).map((c) => c.leave()));
  });
  afterAll(async () => {
    await lab?.stop();
    await target?.stop();
  });

  it('looks the room up, and a client sent to the wrong node follows wrongNode to the host', async () => {
    const { cluster } = lab;
    const alice = client({ userId: 'alice', roomId: 'lookup' });
    await alice.join();
    const host = cluster.byUrl(alice.url!);
    const elsewhere = cluster.nodes.find((n) => n !== host)!;
    const bob = client({ userId: 'bob', roomId: 'lookup', url: elsewhere.wsUrl, lookupUrl: undefined });
    const joined = await bob.join();
    expect(bob.url).toBe(host.wsUrl);
    expect(joined.members.map((m) => m.userId)).toEqual(['alice']);
  });

  it('resumes on a new host after its host was SIGKILLed: both members, one new node, nobody left', async () => {
    const { cluster } = lab;
    const alice = client({ userId: 'alice', roomId: 'killed' });
    await alice.join();
    const bob = client({ userId: 'bob', roomId: 'killed' });
    await bob.join();
    const host = cluster.byUrl(alice.url!);
    expect(bob.url).toBe(host.wsUrl);
    const heard: string[] = [];
    alice.on('message', (m) => heard.push(m.id));
    const killedAt = Date.now();
    await host.process.stop('SIGKILL');
    try {
      await until('both resumed', () => alice.state === 'resumed' && bob.state === 'resumed', 30_000);
      const resumedMs = Date.now() - killedAt;
      expect(alice.url).toBe(bob.url);
      expect(alice.url).not.toBe(host.wsUrl);
      await until('each sees the other', () => alice.members.some((m) => m.userId === 'bob' && !m.reconnecting) && bob.members.some((m) => m.userId === 'alice' && !m.reconnecting));
      expect(heard).not.toContain('participantLeft');
      process.stderr.write(`[client multi-node] SIGKILLed host: both members resumed on ${cluster.byUrl(alice.url!).nodeId} ${resumedMs} ms after the kill\n`);
    } finally {
      // The next test looks rooms up through every node: a dead one left here failed it too.
      await cluster.restart(host);
    }
  });

  it('follows roomMoved from a paused host that lost the room, to the node that serves it now', async () => {
    const { cluster } = lab;
    const alice = client({ userId: 'alice', roomId: 'paused' });
    await alice.join();
    const host = cluster.byUrl(alice.url!);
    const others = cluster.nodes.filter((n) => n !== host);
    const reconnecting: ReconnectingInfo[] = [];
    alice.on('reconnecting', (info) => reconnecting.push(info));

    host.process.child.kill('SIGSTOP');
    // Once the paused host's lease lapsed, a join elsewhere takes the room over.
    await eventually(async () => (await cluster.locate('paused', others[0]!)).nodeId !== host.nodeId, 10_000, 50);
    const carol = client({ userId: 'carol', roomId: 'paused', lookupUrl: others.map((n) => n.httpUrl) });
    await carol.join();
    const newHost = cluster.byUrl(carol.url!);
    await sleep(500);
    host.process.child.kill('SIGCONT');

    await until('alice back in the room', () => reconnecting.length > 0 && alice.inRoom, 20_000);
    expect(reconnecting[0]!.cause).toBe('roomMoved');
    expect(alice.url).toBe(newHost.wsUrl);
    await until('alice and carol see each other', () => alice.members.some((m) => m.userId === 'carol') && carol.members.some((m) => m.userId === 'alice'));
  });
});
