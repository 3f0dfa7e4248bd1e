import { applyPresenceRule, explainOnFailure, keysWithoutTtl, oneRedis, recordedMembers, sleep, startFaultCluster, type FaultCluster, type StateTarget } from '../../support/multi-node/fault-lab';
import { eventually } from '../../support/redis/redis-node-harness';
import type { SignalingNode } from '../../support/redis/signaling-nodes';
import type { SignalingClient, WireMessage } from '../../support/signaling-client';

jest.setTimeout(120_000);

const GRACE_MS = 10_000;
const ROOM = 'r-lost';

interface Member {
  readonly userId: string;
  readonly client: SignalingClient;
  readonly token: string | undefined;
}

/**
 * Three signaling node processes on one Redis, presence on. The node hosting a room of resumable members
 * is SIGKILLed: its members look the room up again, all reach one new host, resume there within the grace
 * and see each other; presence never hears them leave. A non-resumable member is reported gone at once
 * (nodeLost), and a resumable one that never comes back is reported once, when its grace ran out.
 */
describe('resuming across a lost node (three node processes, one Redis)', () => {
  let target: StateTarget;
  let lab: FaultCluster;

  beforeAll(async () => {
    target = await oneRedis();
    lab = await startFaultCluster(target, { RESUME_GRACE_MS: String(GRACE_MS) });
  });
  afterAll(async () => {
    await lab?.stop();
    await target?.stop();
  });

  /**
   * What presence heard of one user, each event once. Delivery is at least once: the killed host may have
   * sent an event and died before its outbox entry was acknowledged, and the node adopting that outbox
   * sends it again with the same event_id (a CI run saw eve's `enter` twice, and this test read the copy
   * as her departure). A presence server keeps the first of an event_id (docs/presence.md); so does this.
   */
  const presenceSteps = (userId: string): string[] => {
    const seen = new Map<string, string>();
    for (const m of lab.presence.messages()) {
      if (m.channel_id !== ROOM || m.user_id !== userId) continue;
      const step = `${String(m.type)}${m.reason ? `:${String(m.reason)}` : ''}`;
      const id = String(m.event_id);
      // A copy is the same event: never another type or reason under one id.
      if (seen.has(id)) expect(seen.get(id)).toBe(step);
      else seen.set(id, step);
    }
    return [...seen.values()];
  };

  // On a failure the nodes' logs about the room go to stderr: how eve's redelivered `enter` was found.
  it('every resumable member resumes on one new host within the grace, with no presence flap', () => explainOnFailure(lab, 'resume-across-nodes', ROOM, async () => {
    const { cluster } = lab;
    const join = async (userId: string, resumable: boolean, via: number): Promise<Member & { nodeId: string }> => {
      const { client, placement, joined } = await cluster.joinViaPlacement(userId, ROOM, cluster.nodes[via]!, resumable ? { resumable: true } : {});
      return { userId, client, token: (joined.session as { resumeToken?: string } | undefined)?.resumeToken, nodeId: placement.nodeId };
    };
    const ann = await join('ann', true, 0);
    const ben = await join('ben', true, 1);
    const cat = await join('cat', true, 2);
    const dan = await join('dan', false, 0);
    const eve = await join('eve', true, 1);
    const hostId = ann.nodeId;
    for (const m of [ben, cat, dan, eve]) expect(m.nodeId).toBe(hostId);
    await eventually(() => lab.presence.messages().filter((m) => m.channel_id === ROOM && m.type === 'enter').length === 5, 5_000, 20);

    const host: SignalingNode = cluster.byId(hostId);
    const survivors = cluster.nodes.filter((n) => n !== host);
    await host.process.stop('SIGKILL');
    const killedAt = Date.now();

    // ann, ben and cat come back, each through the lookup of a surviving node; eve never does.
    const comeback = await Promise.all(
      [ann, ben, cat].map(async (m, i) => {
        const result = await cluster.resumeViaPlacement(m.token!, ROOM, [survivors[i % 2]!, survivors[(i + 1) % 2]!], GRACE_MS);
        return { ...m, ...result, at: Date.now() - killedAt };
      }),
    );
    const newHost = new Set(comeback.map((c) => c.placement.nodeId));
    expect(newHost.size).toBe(1);
    expect([...newHost][0]).not.toBe(hostId);
    for (const c of comeback) {
      expect(c.resumed).toMatchObject({ resumed: true, roomId: ROOM, userId: c.userId });
      expect(c.at).toBeLessThan(GRACE_MS);
    }
    process.stderr.write(`[resume-across-nodes] resumed after ${comeback.map((c) => `${c.userId} ${c.at} ms (${c.attempts} attempts)`).join(', ')}\n`);

    // They see each other. Whoever a resumer's reply still lists as reconnecting resumed after it, and is
    // announced to it (participantReconnected); whoever it lists as back resumed before, and was told of it.
    const names = (reply: WireMessage): string[] => (reply.members as { userId: string }[]).map((m) => m.userId).sort();
    const stillAway = (reply: WireMessage, userId: string): boolean =>
      (reply.members as { userId: string; reconnecting?: boolean }[]).some((m) => m.userId === userId && m.reconnecting === true);
    for (const c of comeback) {
      expect(names(c.resumed)).toEqual(['ann', 'ben', 'cat', 'eve'].filter((u) => u !== c.userId));
      expect(c.resumed.members).toContainEqual({ userId: 'eve', audio: true, video: true, reconnecting: true });
    }
    for (const a of comeback) {
      for (const b of comeback) {
        if (a === b) continue;
        // Exactly one of the two resumed first.
        expect(stillAway(a.resumed, b.userId)).toBe(!stillAway(b.resumed, a.userId));
        if (stillAway(a.resumed, b.userId)) await a.client.next('participantReconnected', (m) => m.userId === b.userId, 5_000);
      }
    }
    // Signaling works between them on the new host.
    const [first, second] = comeback as [(typeof comeback)[number], (typeof comeback)[number]];
    first.client.send({ id: 'peerOffer', userId: second.userId, sdpOffer: 'v=0 after the move' });
    expect(await second.client.next('subscribeOffer', (m) => m.userId === first.userId, 5_000)).toMatchObject({ sdpOffer: 'v=0 after the move' });

    // dan (not resumable) is reported gone once, at once; the others are not.
    await eventually(() => presenceSteps('dan').length === 2, 5_000, 20);
    expect(presenceSteps('dan')).toEqual(['enter', 'signaling:nodeLost']);
    for (const c of comeback) expect(presenceSteps(c.userId)).toEqual(['enter']);
    expect(await recordedMembers(target, lab.prefix, ROOM)).toEqual(['ann', 'ben', 'cat', 'eve']);

    // eve never came back: reported once, when her grace ran out (counted from when her host was found dead).
    await eventually(() => presenceSteps('eve').length === 2, GRACE_MS + 5_000, 50);
    const eveGoneAfter = Date.now() - killedAt;
    expect(eveGoneAfter).toBeGreaterThanOrEqual(GRACE_MS);
    for (const c of comeback) await c.client.next('participantLeft', (m) => m.userId === 'eve', 3_000);
    await sleep(1_000);
    expect(presenceSteps('eve')).toEqual(['enter', 'signaling:dropped']);
    for (const c of comeback) expect(presenceSteps(c.userId)).toEqual(['enter']);
    expect(await recordedMembers(target, lab.prefix, ROOM)).toEqual(['ann', 'ben', 'cat']);
    const { present } = applyPresenceRule(lab.presence.messages());
    expect([...(present.get(ROOM) ?? [])].sort()).toEqual(['ann', 'ben', 'cat']);
    expect(await keysWithoutTtl(target.servers, lab.prefix)).toEqual([]);
  }));
});
