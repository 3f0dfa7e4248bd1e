import { sampleOffer } from '../../support/kurento-emulator';
import type { SignalingClient } from '../../support/signaling-client';
import { closeAll, connectClients, eventually, publish, receiveFrom, kurentoRig } from './kurento-test-kit';

jest.setTimeout(60_000);

/**
 * A socket blip is not a lost KMS: KMS keeps the session's objects, and the adapter takes the session
 * back on a new socket (`connect {sessionId}`), keeping every room. Only when KMS says the session is gone
 * are the rooms lost. The same behaviours against the real KMS: real-kms/kms-session-resume.real-kms.ts.
 */
describe('Kurento backend: resuming the KMS session after a socket blip (emulator)', () => {
  const rig = kurentoRig('each');
  const { open } = rig;

  const roomInCall = async (roomId: string, names: readonly string[]): Promise<SignalingClient[]> => {
    const clients = await connectClients(rig.node, names.length);
    open.push(...clients);
    for (const [i, c] of clients.entries()) await c.join({ userId: names[i]!, roomId });
    for (const [i, c] of clients.entries()) await publish(c, names[i]!);
    await receiveFrom(clients[1]!, names[0]!);
    return clients;
  };

  const readiness = async (): Promise<number> => (await fetch(`${rig.node.httpUrl}/readyz`)).status;

  it('keeps every room through a blip: the same pipeline and endpoints, no error to clients, calls go on', async () => {
    const [alice, bob, carol] = await roomInCall('c-blip', ['alice', 'bob', 'carol']);
    const pipelines = rig.kms.pipelines().map((p) => p.id);
    const endpoints = rig.kms.endpoints().map((e) => e.id).sort();
    const session = rig.kms.pipelines()[0]!.sessionId;
    const idsBefore = rig.kms.requests().map((r) => Number(r.id));

    rig.kms.dropConnections();
    // A request sent during the blip waits for the session to come back instead of failing.
    carol!.send({ id: 'receiveVideoFrom', userId: 'alice', sdpOffer: sampleOffer('recvonly'), requestId: 'during-blip' });
    expect(await carol!.next('receiveVideoAnswer', (m) => m.userId === 'alice', 10_000)).toMatchObject({ requestId: 'during-blip' });

    await eventually(async () => expect(await readiness()).toBe(200), 5_000);
    const resumed = rig.kms.requests().filter((r) => r.method === 'connect');
    expect(resumed).toEqual([expect.objectContaining({ outcome: 'ok', sessionId: session })]);
    // Request ids go on where the old socket stopped: KMS's request cache would answer a reused one.
    const idsAfter = rig.kms.requests().slice(idsBefore.length).map((r) => Number(r.id));
    expect(Math.min(...idsAfter)).toBeGreaterThan(Math.max(...idsBefore));

    // Same media objects (plus carol's new incoming endpoint), nothing lost, nobody told anything went wrong.
    expect(rig.kms.pipelines().map((p) => p.id)).toEqual(pipelines);
    expect(endpoints.every((id) => rig.kms.endpoints().some((e) => e.id === id))).toBe(true);
    for (const c of [alice!, bob!, carol!]) await c.expectNone('error', 300);
    // The room still works end to end: a new subscription, candidates from KMS to the subscriber.
    expect(await receiveFrom(alice!, 'bob')).toMatchObject({ userId: 'bob' });
    expect(await alice!.next('iceCandidate', (m) => m.userId === 'bob', 5_000)).toMatchObject({ userId: 'bob' });
  });

  it('sends the requests in flight again on the resumed socket, unchanged: KMS answers them from its cache, nothing is made twice', async () => {
    const [alice] = await roomInCall('c-cut', ['alice', 'bob']);
    const before = rig.kms.endpoints().length;
    // KMS creates dave's endpoint, then the connection breaks before the answer leaves.
    rig.kms.cutAfter('create:WebRtcEndpoint');
    const [dave] = await connectClients(rig.node, 1);
    open.push(dave!);
    expect(await dave!.join({ userId: 'dave', roomId: 'c-cut' })).toMatchObject({ id: 'existingParticipants' });
    const creates = rig.kms.requests().filter((r) => r.method === 'create' && r.detail === 'WebRtcEndpoint');
    // The same request twice on the wire (same id), one endpoint made: the second answer came from the cache.
    expect(creates.slice(-2).map((r) => r.id)).toEqual([creates.at(-1)!.id, creates.at(-1)!.id]);
    expect(rig.kms.endpoints()).toHaveLength(before + 1);
    expect(await publish(dave!, 'dave')).toMatchObject({ userId: 'dave' });
    expect(await receiveFrom(alice!, 'dave')).toMatchObject({ userId: 'dave' });
    await alice!.expectNone('error', 200);
  });

  it('reports the rooms lost, at once, when KMS answers that it no longer holds the session', async () => {
    const [alice, bob] = await roomInCall('c-forgot', ['alice', 'bob']);
    const session = rig.kms.pipelines()[0]!.sessionId;
    rig.kms.forgetSession(session);
    const droppedAt = Date.now();
    rig.kms.dropConnections();
    for (const c of [alice!, bob!]) {
      expect(await c.next('error', (m) => m.code === 'mediaServerUnavailable', 5_000)).toMatchObject({ details: { roomId: 'c-forgot' } });
    }
    expect(Date.now() - droppedAt).toBeLessThan(3_000);
    expect(rig.kms.requests().filter((r) => r.method === 'connect')).toEqual([expect.objectContaining({ outcome: 'error', sessionId: session })]);
    // The node goes on with a fresh session: the same clients can join again.
    expect(await alice!.join({ userId: 'alice', roomId: 'c-forgot' })).toMatchObject({ members: [] });
    await publish(alice!, 'alice');
    expect(rig.kms.pipelines()).toHaveLength(1);
    expect(rig.kms.pipelines()[0]!.sessionId).not.toBe(session);
  });

  it('reports the rooms lost when KMS cannot be reached again within the resume window', async () => {
    const [alice, bob] = await roomInCall('c-gone', ['alice', 'bob']);
    rig.kms.freeze();
    const droppedAt = Date.now();
    rig.kms.dropConnections();
    for (const c of [alice!, bob!]) expect(await c.next('error', (m) => m.code === 'mediaServerUnavailable', 8_000)).toMatchObject({ code: 'mediaServerUnavailable' });
    // Not before the window (1.5 s in these tests) had passed.
    expect(Date.now() - droppedAt).toBeGreaterThanOrEqual(1_400);
    rig.kms.unfreeze();
  });
});
