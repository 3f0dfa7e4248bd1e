import { sampleOffer } from '../../../support/kurento-emulator';
import { startRealKms, type RealKms } from '../../../support/kurento/real-kms';
import { TcpProxy } from '../../../support/redis/tcp-proxy';
import type { SignalingClient } from '../../../support/signaling-client';
import type { RunningNode } from '../../../../src/start-node';
import { closeAll, connectClients, eventually, publish, receiveFrom, startKurentoNode } from '../kurento-test-kit';

jest.setTimeout(120_000);

/**
 * A TCP proxy between the node and a real KMS of this file's own cuts the node's connection while KMS lives
 * on: the node must take its KMS session back and keep every room. Only a KMS that no longer holds the
 * session (restarted behind the proxy), or one out of reach for longer than the resume window, costs the
 * rooms. The window is 4 s here: on two cores shared with Chromium and KMS, the 1.5 s of the emulator tests
 * can pass before the node gets a turn.
 */
const RESUME_WINDOW_MS = 4_000;
describe('Kurento backend against a real KMS: resuming the session after the connection is cut', () => {
  let kms: RealKms;
  let proxy: TcpProxy;
  let node: RunningNode;
  const open: SignalingClient[] = [];

  beforeAll(async () => {
    kms = await startRealKms();
    proxy = await TcpProxy.start(kms.port);
    node = await startKurentoNode([`ws://127.0.0.1:${proxy.port}/kurento`], { KURENTO_RESUME_WINDOW_MS: String(RESUME_WINDOW_MS) });
  });
  afterEach(async () => {
    proxy.restore();
    await closeAll(open.splice(0));
    await eventually(async () => expect(await kms.pipelines()).toEqual([]), 15_000);
  });
  afterAll(async () => {
    await node?.stop();
    await proxy?.close();
    await kms?.stop();
  });

  const readiness = async (): Promise<number> => (await fetch(`${node.httpUrl}/readyz`)).status;

  const roomInCall = async (roomId: string): Promise<[SignalingClient, SignalingClient, SignalingClient]> => {
    const clients = (await connectClients(node, 3)) as [SignalingClient, SignalingClient, SignalingClient];
    open.push(...clients);
    const names = ['alice', 'bob', 'carol'] as const;
    for (const [i, c] of clients.entries()) await c.join({ userId: names[i]!, roomId });
    for (const [i, c] of clients.entries()) await publish(c, names[i]!);
    await receiveFrom(clients[1], 'alice');
    return clients;
  };

  it('a blip keeps the rooms: the same pipeline on KMS, no error to anyone, a request sent meanwhile is answered, KMS events flow again', async () => {
    const [alice, bob, carol] = await roomInCall('c-blip');
    const before = await kms.objects();
    expect(Object.keys(before)).toHaveLength(1);

    proxy.cut();
    carol.send({ id: 'receiveVideoFrom', userId: 'alice', sdpOffer: sampleOffer('recvonly'), requestId: 'during-blip' });
    await new Promise((r) => setTimeout(r, 300));
    proxy.restore();

    expect(await carol.next('receiveVideoAnswer', (m) => m.requestId === 'during-blip', 15_000)).toMatchObject({ userId: 'alice' });
    await eventually(async () => expect(await readiness()).toBe(200), 10_000);
    for (const c of [alice, bob, carol]) await c.expectNone('error', 300);
    const after = await kms.objects();
    expect(Object.keys(after)).toEqual(Object.keys(before));
    // Every endpoint made before the blip is still there (carol's new one comes on top).
    const [pipeline] = Object.keys(before);
    expect(before[pipeline!]!.every((id) => after[pipeline!]!.includes(id))).toBe(true);
    // KMS's events reach the node on the resumed connection: candidates for a subscription made after it.
    expect(await receiveFrom(alice, 'bob')).toMatchObject({ userId: 'bob' });
    expect(await alice.next('iceCandidate', (m) => m.userId === 'bob', 10_000)).toMatchObject({ userId: 'bob' });
  });

  it('a KMS restarted behind the cut answers that the session is gone: the rooms are lost at once, new joins work', async () => {
    const [alice, bob] = await roomInCall('c-restarted');
    proxy.cut();
    await kms.restart();
    const restoredAt = Date.now();
    proxy.restore();
    for (const c of [alice, bob]) {
      expect(await c.next('error', (m) => m.code === 'mediaServerUnavailable', 10_000)).toMatchObject({ details: { roomId: 'c-restarted' } });
    }
    expect(Date.now() - restoredAt).toBeLessThan(5_000);
    expect(await alice.join({ userId: 'alice', roomId: 'c-restarted' })).toMatchObject({ members: [] });
    await publish(alice, 'alice');
    expect(await kms.pipelines()).toHaveLength(1);
  });

  it('a KMS out of reach for longer than the resume window costs the rooms; its pipeline is released once it is reachable', async () => {
    const [alice, bob] = await roomInCall('c-away');
    const cutAt = Date.now();
    proxy.cut();
    for (const c of [alice, bob]) expect(await c.next('error', (m) => m.code === 'mediaServerUnavailable', 15_000)).toMatchObject({ code: 'mediaServerUnavailable' });
    expect(Date.now() - cutAt).toBeGreaterThanOrEqual(RESUME_WINDOW_MS - 100);
    // KMS still holds the old session's pipeline; reconnected with a fresh session, the node releases it.
    expect(await kms.pipelines()).toHaveLength(1);
    proxy.restore();
    await eventually(async () => expect(await kms.pipelines()).toEqual([]), 15_000);
  });
});
