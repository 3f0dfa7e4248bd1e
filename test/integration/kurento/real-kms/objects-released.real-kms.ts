import { startRealKms, type RealKms } from '../../../support/kurento/real-kms';
import type { SignalingClient } from '../../../support/signaling-client';
import type { RunningNode } from '../../../../src/start-node';
import { closeAll, connectClients, eventually, publish, receiveFrom, startKurentoNode } from '../kurento-test-kit';

jest.setTimeout(120_000);

/**
 * What the real KMS holds, asked from KMS itself (ServerManager.getPipelines, MediaPipeline.getChildren):
 * one pipeline per room, one endpoint per publisher and per (receiver, sender) pair, each released with the
 * participant it belongs to, and nothing left once everyone has gone or the node stops.
 */
describe('Kurento backend against a real KMS: every object is released', () => {
  let kms: RealKms;
  let node: RunningNode | undefined;
  const open: SignalingClient[] = [];

  beforeAll(async () => {
    kms = await startRealKms();
  });
  afterEach(async () => {
    await closeAll(open.splice(0));
    await node?.stop();
    node = undefined;
  });
  afterAll(async () => {
    await kms?.stop();
  });

  const children = async (): Promise<number[]> => Object.values(await kms.objects()).map((c) => c.length);

  const fullCall = async (roomId: string, names: readonly string[]): Promise<SignalingClient[]> => {
    node ??= await startKurentoNode([kms.url]);
    const clients = await connectClients(node, names.length);
    open.push(...clients);
    for (const [i, c] of clients.entries()) await c.join({ userId: names[i]!, roomId });
    for (const [i, c] of clients.entries()) await publish(c, names[i]!);
    for (const [i, c] of clients.entries()) for (const other of names) if (other !== names[i]) await receiveFrom(c, other);
    return clients;
  };

  it('after each departure exactly that participant’s endpoints go, and after the last the pipeline', async () => {
    const [alice, bob, carol, dave] = await fullCall('c-objects', ['alice', 'bob', 'carol', 'dave']);
    // 4 publishers + 4 × 3 receivers.
    expect(await children()).toEqual([16]);
    alice!.send({ id: 'leaveRoom' });
    await bob!.next('participantLeft');
    // alice's own endpoint, her 3 incoming, and the 3 others' incoming from her: 9 left.
    await eventually(async () => expect(await children()).toEqual([9]), 10_000);
    await bob!.close();
    await carol!.next('participantLeft', (m) => m.userId === 'bob', 10_000);
    await eventually(async () => expect(await children()).toEqual([4]), 10_000);
    carol!.send({ id: 'leaveRoom' });
    await eventually(async () => expect(await children()).toEqual([1]), 10_000);
    await dave!.close();
    await eventually(async () => expect(await kms.pipelines()).toEqual([]), 10_000);
  });

  it('a server-offered subscription is released with its subscriber', async () => {
    const [alice, bob] = await fullCall('c-offered', ['alice', 'bob']);
    bob!.send({ id: 'subscribe', userId: 'alice', requestId: 's' });
    // A fresh endpoint replaces bob's client-offered one for alice's media: still 2 + 2.
    expect(await bob!.next('subscribeOffer', () => true, 10_000)).toMatchObject({ userId: 'alice', sdpOffer: expect.stringMatching(/^v=0/) });
    await eventually(async () => expect(await children()).toEqual([4]), 10_000);
    bob!.send({ id: 'leaveRoom' });
    await eventually(async () => expect(await children()).toEqual([1]), 10_000);
    await alice!.close();
    await eventually(async () => expect(await kms.pipelines()).toEqual([]), 10_000);
  });

  it('a node that stops with rooms open releases their pipelines on KMS', async () => {
    await fullCall('c-stop-1', ['a', 'b']);
    await fullCall('c-stop-2', ['c', 'd', 'e']);
    expect((await children()).sort()).toEqual([4, 9]);
    await node!.stop();
    node = undefined;
    await eventually(async () => expect(await kms.pipelines()).toEqual([]), 10_000);
  });
});
