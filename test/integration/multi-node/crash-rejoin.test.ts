import type { TestPresenceServer } from '../../support/presence-server';
import {
  applyPresenceRule,
  keysWithoutTtl,
  oneRedis,
  recordedMembers,
  sleep,
  startFaultCluster,
  type FaultCluster,
  type PresenceLine,
  type StateTarget,
} from '../../support/multi-node/fault-lab';
import type { SignalingNode, SignalingNodes } from '../../support/redis/signaling-nodes';
import type { SignalingClient, WireMessage } from '../../support/signaling-client';

jest.setTimeout(120_000);

/**
 * A host crashes (SIGKILL) and a member rejoins the room at once, racing the node that reaps the dead
 * host: whichever frees the old record reports the member gone, and that report must come before the
 * rejoin's arrival in presence time, or a receiver that drops older events shows the user as gone.
 */
describe('a member rejoining a crashed host’s room, racing the reaper', () => {
  let target: StateTarget;
  let lab: FaultCluster;
  let presence: TestPresenceServer;
  let cluster: SignalingNodes;
  let prefix: string;

  beforeEach(async () => {
    target = await oneRedis();
    lab = await startFaultCluster(target);
    ({ presence, cluster, prefix } = lab);
  });
  afterEach(async () => {
    await lab?.stop();
    await target?.stop();
  });

  /** Asks where the room is and joins there, again and again, until a live node takes the join. */
  const rejoin = async (userId: string, roomId: string, via: SignalingNode): Promise<{ client: SignalingClient; joined: WireMessage }> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const { client, joined } = await cluster.joinViaPlacement(userId, roomId, via);
        return { client, joined };
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(20);
      }
    }
  };

  it.each([1, 2, 3])('run %i: presence ends with the rejoined member in the room, every user’s events in order', async () => {
    const [, two, three] = cluster.nodes as [SignalingNode, SignalingNode, SignalingNode];
    const { placement } = await cluster.joinViaPlacement('alice', 'lobby', two);
    await cluster.joinViaPlacement('bob', 'lobby', three);
    await cluster.joinViaPlacement('carol', 'lobby', two);
    const host = cluster.byId(placement.nodeId);
    const survivor = cluster.nodes.find((n) => n !== host)!;

    await host.process.stop('SIGKILL');
    const { joined } = await rejoin('alice', 'lobby', survivor);
    expect((joined.members as unknown[]).length).toBe(0);

    // Reaped or replaced: bob and carol are reported gone, alice gone and back, in that order.
    await presence.waitFor(
      () => {
        const present = applyPresenceRule(presence.messages()).present.get('lobby');
        return present !== undefined && [...present].join() === 'alice' && presence.messages().filter((m) => m.reason === 'nodeLost').length >= 3;
      },
      10_000,
      'presence to show only alice in the lobby',
    );
    const alices = (presence.messages() as unknown as PresenceLine[]).filter((m) => m.user_id === 'alice');
    const [firstEnter, lost, secondEnter] = [...alices].sort((a, b) => a.timestamp - b.timestamp);
    expect([firstEnter?.type, lost?.type, secondEnter?.type]).toEqual(['enter', 'signaling', 'enter']);
    expect(await recordedMembers(target, prefix, 'lobby')).toEqual(['alice']);
    expect(await keysWithoutTtl(target.servers, prefix)).toEqual([]);
  });
});
