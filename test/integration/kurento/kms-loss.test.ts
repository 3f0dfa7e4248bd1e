import type { SignalingClient } from '../../support/signaling-client';
import { eventually, publish, receiveFrom, kurentoRig } from './kurento-test-kit';

jest.setTimeout(60_000);

/**
 * How soon clients must hear of a lost KMS: a dead process is known at once (its port refuses the
 * reconnection); a hung one takes 2 failed pings and then the resume window (1.5 s in these tests).
 */
const SOCKET_LOSS_BOUND_MS = 3_000;
const HANG_LOSS_BOUND_MS = 6_000;

describe('Kurento backend: losing the media server and getting it back', () => {
  const rig = kurentoRig('each');
  const { open } = rig;

  const { clients } = rig;

  const readiness = async (): Promise<{ status: number; mediaBackend: unknown }> => {
    const res = await fetch(`${rig.node.httpUrl}/readyz`);
    const body = (await res.json()) as { checks: Record<string, unknown> };
    return { status: res.status, mediaBackend: body.checks.mediaBackend };
  };

  const roomInCall = async (roomId: string): Promise<SignalingClient[]> => {
    const [alice, bob] = await clients(2);
    await alice!.join({ userId: 'alice', roomId });
    await bob!.join({ userId: 'bob', roomId });
    await publish(alice!, 'alice');
    await publish(bob!, 'bob');
    await receiveFrom(bob!, 'alice');
    return [alice!, bob!];
  };

  const expectLossReported = async (clientsInRoom: readonly SignalingClient[], since: number, boundMs: number): Promise<void> => {
    for (const c of clientsInRoom) {
      const error = await c.next('error', (m) => m.code === 'mediaServerUnavailable', boundMs + 2_000);
      expect(error).toMatchObject({ id: 'error', code: 'mediaServerUnavailable', details: { roomId: expect.any(String) } });
    }
    expect(Date.now() - since).toBeLessThan(boundMs);
  };

  it('tells every client of a stopped KMS within seconds, and serves fresh joins once it is back', async () => {
    const [alice, bob] = await roomInCall('c-lost');
    expect(await readiness()).toEqual({ status: 200, mediaBackend: true });
    const stoppedAt = Date.now();
    await rig.kms.stop();
    await expectLossReported([alice!, bob!], stoppedAt, SOCKET_LOSS_BOUND_MS);
    // A load balancer stops sending new clients here while no KMS is reachable.
    expect(await readiness()).toEqual({ status: 503, mediaBackend: false });

    // While KMS is down, a join is refused with a typed error after the bounded wait (KURENTO_JOIN_WAIT_MS).
    const refusedAt = Date.now();
    alice!.send({ id: 'joinRoom', userId: 'alice', roomId: 'c-lost', communityId: '1', requestId: 'down-1' });
    expect(await alice!.next('error', () => true, 10_000)).toMatchObject({ code: 'mediaServerUnavailable', requestId: 'down-1' });
    expect(Date.now() - refusedAt).toBeLessThan(6_000);

    await rig.kms.restart();
    for (const deadline = Date.now() + 10_000; (await readiness()).status !== 200; ) {
      if (Date.now() > deadline) throw new Error('/readyz did not return to 200 after KMS came back');
      await new Promise((r) => setTimeout(r, 50));
    }
    // The same connections join again, without a restart of the signaling node.
    const again = await alice!.join({ userId: 'alice', roomId: 'c-lost' });
    expect(again.members).toEqual([]);
    await bob!.join({ userId: 'bob', roomId: 'c-lost' });
    await publish(alice!, 'alice');
    expect(await receiveFrom(bob!, 'alice')).toMatchObject({ userId: 'alice' });
    expect(rig.kms.pipelines()).toHaveLength(1);
    expect(rig.kms.endpoints()).toHaveLength(3);
  });

  it('notices a crashed KMS (no close frame) the same way', async () => {
    const [alice, bob] = await roomInCall('c-crash');
    const killedAt = Date.now();
    await rig.kms.kill();
    await expectLossReported([alice!, bob!], killedAt, SOCKET_LOSS_BOUND_MS);
    await rig.kms.restart();
    await eventually(() => expect(rig.kms.connectionCount()).toBe(1));
    expect(await alice!.join({ userId: 'alice', roomId: 'c-crash' })).toMatchObject({ members: [] });
  });

  it('notices a KMS that stops answering while its socket stays open, by its health pings', async () => {
    const [alice, bob] = await roomInCall('c-hung');
    const hungAt = Date.now();
    rig.kms.freeze();
    await expectLossReported([alice!, bob!], hungAt, HANG_LOSS_BOUND_MS);
    // The node gave that session up; once KMS answers again, a fresh connection serves new joins.
    rig.kms.unfreeze();
    expect(await alice!.join({ userId: 'alice', roomId: 'c-hung' })).toMatchObject({ members: [] });
    await publish(alice!, 'alice');
    // The first session's pipeline survived on this KMS (it never restarted); the node released it.
    await eventually(() => expect(rig.kms.pipelines()).toHaveLength(1));
  });

  it('frees the pipelines of a session it gave up while KMS lived on (out of reach for longer than the resume window)', async () => {
    const [alice, bob] = await roomInCall('c-away');
    expect(rig.kms.pipelines()).toHaveLength(1);
    const awayAt = Date.now();
    rig.kms.freeze();
    rig.kms.dropConnections();
    await expectLossReported([alice!, bob!], awayAt, HANG_LOSS_BOUND_MS);
    rig.kms.unfreeze();
    // Connected again with a fresh session, the node releases what the old one left behind.
    await eventually(() => expect(rig.kms.liveObjectCount()).toBe(0));
  });
});
