import { sampleOffer } from '../../../support/kurento-emulator';
import { startRealKms, type RealKms } from '../../../support/kurento/real-kms';
import type { SignalingClient } from '../../../support/signaling-client';
import type { RunningNode } from '../../../../src/start-node';
import { closeAll, connectClients, eventually, publish, receiveFrom, startKurentoNode } from '../kurento-test-kit';

jest.setTimeout(120_000);

/**
 * A real KMS process of this file's own, killed in the middle of a call (SIGKILL: the process and every
 * object in it gone), then started again on the same port.
 */
describe('Kurento backend against a real KMS: KMS killed mid-call', () => {
  let kms: RealKms;
  let node: RunningNode;
  const open: SignalingClient[] = [];

  beforeAll(async () => {
    kms = await startRealKms();
    node = await startKurentoNode([kms.url], { KURENTO_JOIN_WAIT_MS: '2000' });
  });
  afterAll(async () => {
    await closeAll(open.splice(0));
    await node?.stop();
    await kms?.stop();
  });

  const readiness = async (): Promise<number> => (await fetch(`${node.httpUrl}/readyz`)).status;

  it('tells every client with a typed error at once, answers /readyz 503, refuses joins typed, and serves new joins once KMS is back', async () => {
    const clients = await connectClients(node, 3);
    open.push(...clients);
    const [alice, bob, carol] = clients as [SignalingClient, SignalingClient, SignalingClient];
    await alice.join({ userId: 'alice', roomId: 'c-kill' });
    await bob.join({ userId: 'bob', roomId: 'c-kill' });
    await carol.join({ userId: 'carol', roomId: 'c-kill' });
    for (const [c, name] of [[alice, 'alice'], [bob, 'bob'], [carol, 'carol']] as const) await publish(c, name);
    await receiveFrom(bob, 'alice');
    await receiveFrom(carol, 'alice');
    expect((await kms.pipelines()).length).toBe(1);
    expect(await readiness()).toBe(200);

    const killedAt = Date.now();
    await kms.kill();
    for (const c of clients) {
      expect(await c.next('error', (m) => m.code === 'mediaServerUnavailable', 10_000)).toMatchObject({
        id: 'error',
        code: 'mediaServerUnavailable',
        details: { roomId: 'c-kill' },
      });
    }
    // A dead process refuses the reconnection: no resume window to wait out.
    expect(Date.now() - killedAt).toBeLessThan(3_000);
    expect(await readiness()).toBe(503);

    // While it is down a join is refused, typed, after the bounded wait.
    alice.send({ id: 'joinRoom', userId: 'alice', roomId: 'c-kill', communityId: '1', requestId: 'while-down' });
    expect(await alice.next('error', (m) => m.requestId === 'while-down', 10_000)).toMatchObject({ code: 'mediaServerUnavailable' });

    await kms.restart();
    await eventually(async () => expect(await readiness()).toBe(200), 15_000);
    // The same connections join again without a restart of the node, on a fresh pipeline.
    expect(await alice.join({ userId: 'alice', roomId: 'c-kill' })).toMatchObject({ members: [] });
    expect(await bob.join({ userId: 'bob', roomId: 'c-kill' })).toMatchObject({ members: [{ userId: 'alice' }] });
    await publish(alice, 'alice');
    expect(await receiveFrom(bob, 'alice')).toMatchObject({ userId: 'alice', sdpAnswer: expect.stringMatching(/^v=0/) });
    expect(await bob.next('iceCandidate', (m) => m.userId === 'alice', 10_000)).toMatchObject({ userId: 'alice' });
    expect((await kms.pipelines()).length).toBe(1);

    // And every object goes once everybody leaves.
    alice.send({ id: 'leaveRoom' });
    await bob.close();
    await eventually(async () => expect(await kms.pipelines()).toEqual([]), 10_000);
  });

  it('a KMS started after the node is found without a restart (the node retries with backoff)', async () => {
    await kms.kill();
    await eventually(async () => expect(await readiness()).toBe(503), 5_000);
    await new Promise((r) => setTimeout(r, 1_000));
    await kms.restart();
    await eventually(async () => expect(await readiness()).toBe(200), 15_000);
    const [dave] = await connectClients(node, 1);
    open.push(dave!);
    await dave!.join({ userId: 'dave', roomId: 'c-later' });
    dave!.send({ id: 'receiveVideoFrom', userId: 'dave', sdpOffer: sampleOffer('sendonly'), requestId: 'p' });
    expect(await dave!.next('receiveVideoAnswer', () => true, 10_000)).toMatchObject({ userId: 'dave', requestId: 'p' });
  });
});
