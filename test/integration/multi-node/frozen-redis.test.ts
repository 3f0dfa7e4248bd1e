import type { TestPresenceServer } from '../../support/presence-server';
import {
  applyPresenceRule,
  keysWithoutTtl,
  oneRedis,
  recordedMembers,
  redisCluster,
  sleep,
  startFaultCluster,
  type FaultCluster,
  type StateTarget,
} from '../../support/multi-node/fault-lab';
import { eventually } from '../../support/redis/redis-node-harness';
import { TEST_EXPIRY_MS, TEST_HEARTBEAT_MS, type SignalingNode, type SignalingNodes } from '../../support/redis/signaling-nodes';

jest.setTimeout(120_000);

const COMMAND_TIMEOUT_MS = 500;
const FREEZE_MS = 3_000;

const readyStatus = async (node: SignalingNode): Promise<number> => {
  const res = await fetch(`${node.httpUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
  return res.status;
};

/**
 * Redis itself freezes (SIGSTOP of every server) with joins running, for twice the heartbeat expiry, then
 * resumes. Every node shares the outage: nobody can take a room, so no room may be lost, no member
 * reported gone, and nothing joined or left meanwhile may be missing from Redis afterwards.
 */
describe.each([['one Redis', oneRedis], ['a 3-master Redis Cluster', redisCluster]])('a frozen %s', (_label, startTarget) => {
  let target: StateTarget;
  let lab: FaultCluster;
  let presence: TestPresenceServer;
  let cluster: SignalingNodes;
  let prefix: string;
  let frozen = false;

  beforeEach(async () => {
    target = await startTarget();
    lab = await startFaultCluster(target, { REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS) });
    ({ presence, cluster, prefix } = lab);
  });

  afterEach(async () => {
    if (frozen) await target.thaw();
    frozen = false;
    await lab?.stop();
    await target?.stop();
  });

  it('refuses joins at once, turns unready, keeps rooms working, then loses nobody', async () => {
    const [one, two, three] = cluster.nodes as [SignalingNode, SignalingNode, SignalingNode];
    const { client: alice } = await cluster.joinViaPlacement('alice', 'north', two);
    const { client: bob } = await cluster.joinViaPlacement('bob', 'north', three);
    const { client: carol } = await cluster.joinViaPlacement('carol', 'south', three);
    const { client: dave } = await cluster.joinViaPlacement('dave', 'south', one);
    const north = await cluster.locate('north', one);
    const south = await cluster.locate('south', one);
    for (const c of [alice, bob, carol, dave]) c.drain();

    await target.freeze();
    frozen = true;
    const frozenAt = Date.now();

    // Readiness turns false without any traffic: each node's own PING goes unanswered.
    for (const node of cluster.nodes) await eventually(async () => (await readyStatus(node)) === 503, 5_000, 25);
    const unreadyAfter = Date.now() - frozenAt;

    // Joins while Redis is frozen, once each node found out: refused with stateStoreUnavailable, at once.
    const refusals: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const client = await cluster.connect(cluster.nodes[i % 3]!.wsUrl);
      const started = Date.now();
      client.send({ id: 'joinRoom', userId: `late-${i}`, roomId: `west-${i}`, communityId: '1' });
      const reply = await client.next('error', () => true, 5_000);
      refusals.push(Date.now() - started);
      expect(reply.code).toBe('stateStoreUnavailable');
      await client.close();
    }
    process.stderr.write(`[frozen-redis] ${_label}: every node unready ${unreadyAfter} ms after the freeze; joins refused in ${refusals.join(', ')} ms\n`);
    expect(unreadyAfter).toBeLessThan(COMMAND_TIMEOUT_MS * 2 + 1_000);
    // A join that waited on Redis takes at least the command deadline; these must not have waited at all.
    // (Typically 1–10 ms; a loaded CI run once stalled one reply 173 ms, which a 100 ms bound took for a wait.)
    expect(Math.max(...refusals)).toBeLessThan(COMMAND_TIMEOUT_MS);

    // Rooms already served keep working, and a member may leave.
    alice.send({ id: 'peerOffer', userId: 'bob', sdpOffer: 'v=0 frozen' });
    await bob.next('subscribeOffer', (m) => m.sdpOffer === 'v=0 frozen');
    carol.send({ id: 'videoStateFrom', userId: 'carol', video: false });
    await dave.next('videoStateAnswer', (m) => m.userId === 'carol');
    bob.send({ id: 'leaveRoom', requestId: 'bye' });
    await bob.next('ack', (m) => m.requestId === 'bye');
    await alice.next('participantLeft', (m) => m.userId === 'bob');

    await sleep(Math.max(0, frozenAt + FREEZE_MS - Date.now()));
    await target.thaw();
    frozen = false;
    for (const node of cluster.nodes) await eventually(async () => (await readyStatus(node)) === 200, 5_000, 25);

    // Every node's liveness lapsed during the freeze; none was reaped, every room stayed where it was.
    await sleep(TEST_EXPIRY_MS + TEST_HEARTBEAT_MS * 2);
    expect((await cluster.locate('north', three)).nodeId).toBe(north.nodeId);
    expect((await cluster.locate('south', two)).nodeId).toBe(south.nodeId);
    expect(await recordedMembers(target, prefix, 'north')).toEqual(['alice']);
    expect(await recordedMembers(target, prefix, 'south')).toEqual(['carol', 'dave']);
    alice.send({ id: 'videoStateFrom', userId: 'alice', video: false });
    await alice.next('videoStateAnswer', (m) => m.userId === 'alice');
    for (const c of [alice, carol, dave]) expect(c.closeCode).toBeUndefined();
    const { joined } = await cluster.joinViaPlacement('erin', 'west-0', two);
    expect(joined.id).toBe('existingParticipants');

    // Presence heard no crash; by the receiver rule it shows exactly who is in each room.
    const lost = presence.messages().filter((m) => m.reason === 'nodeLost' || m.reason === 'roomMoved');
    expect(lost).toEqual([]);
    await presence.waitFor(() => {
      const { present } = applyPresenceRule(presence.messages());
      return [...(present.get('north') ?? [])].join() === 'alice' && [...(present.get('south') ?? [])].sort().join() === 'carol,dave';
    }, 10_000, 'presence to show alice in north and carol, dave in south');
    expect(await keysWithoutTtl(target.servers, prefix)).toEqual([]);
  });
});
