import { sampleOffer, type KurentoEmulator } from '../../support/kurento-emulator';
import type { SignalingClient, WireMessage } from '../../support/signaling-client';
import type { RunningNode } from '../../../src/start-node';
import { closeAll, connectClients, endpointMarked as markedIn, eventually, marker, startEmulator, startKurentoNode } from './kurento-test-kit';

jest.setTimeout(60_000);


/**
 * Kurento after a resume: KMS negotiates an endpoint once, so the resumed client makes new links. Its new
 * publish offer gets a new outgoing endpoint that feeds every existing subscriber endpoint of the others
 * (their peer connections stay as they are), and each new `receiveVideoFrom` replaces that subscription's
 * endpoint. Nothing else in the pipeline changes.
 */
describe('Kurento backend: renegotiation after a session resume (KMS emulator)', () => {
  let kms: KurentoEmulator;
  let node: RunningNode;
  const open: SignalingClient[] = [];

  beforeAll(async () => {
    kms = await startEmulator();
    node = await startKurentoNode([kms.url], { RESUME_GRACE_MS: '10000' });
  });
  afterAll(async () => {
    await closeAll(open);
    await node.stop();
    await kms.stop();
  });

  const endpointMarked = (label: string) => markedIn(kms, label);

  const publish = async (client: SignalingClient, userId: string, label: string): Promise<void> => {
    client.send({ id: 'publish', sdpOffer: sampleOffer('sendonly') });
    await client.next('receiveVideoAnswer', (m) => m.userId === userId);
    client.send({ id: 'onIceCandidate', userId, candidate: marker(label) });
  };
  const receive = async (client: SignalingClient, publisher: string, label: string): Promise<void> => {
    client.send({ id: 'receiveVideoFrom', userId: publisher, sdpOffer: sampleOffer('recvonly') });
    await client.next('receiveVideoAnswer', (m) => m.userId === publisher);
    client.send({ id: 'onIceCandidate', userId: publisher, candidate: marker(label) });
  };

  it('a resumed client republishes and re-receives on new endpoints; the others keep theirs, fed from its new one', async () => {
    const users = ['ann', 'ben', 'cat'] as const;
    const clients = await connectClients(node, 3);
    open.push(...clients);
    const joined: WireMessage[] = [];
    for (const [i, userId] of users.entries()) {
      clients[i]!.send({ id: 'joinRoom', userId, roomId: 'c-resume', communityId: '1', resumable: true });
      joined.push(await clients[i]!.next('existingParticipants'));
    }
    for (const [i, r] of users.entries()) {
      await publish(clients[i]!, r, `${r}-pub`);
      for (const s of users) if (s !== r) await receive(clients[i]!, s, `${r}-from-${s}`);
    }
    await eventually(() => {
      expect(kms.endpoints()).toHaveLength(9);
      for (const r of users) for (const s of users) if (s !== r) expect(endpointMarked(`${r}-from-${s}`).source).toBe(endpointMarked(`${s}-pub`).id);
    });
    const othersKeep = ['ben-pub', 'cat-pub', 'ben-from-cat', 'cat-from-ben', 'ben-from-ann', 'cat-from-ann'].map((l) => endpointMarked(l).id);
    const annOld = ['ann-pub', 'ann-from-ben', 'ann-from-cat'].map((l) => endpointMarked(l).id);

    // ann's connection dies; her endpoints stay while her seat is held.
    clients[0]!.socket.terminate();
    await clients[1]!.next('participantReconnecting', (m) => m.userId === 'ann');
    await new Promise((r) => setTimeout(r, 300));
    expect(kms.endpoints()).toHaveLength(9);
    expect(kms.requests().filter((r) => r.method === 'release')).toEqual([]);

    const again = (await connectClients(node, 1))[0]!;
    open.push(again);
    again.send({ id: 'resumeSession', resumeToken: (joined[0]!.session as { resumeToken: string }).resumeToken });
    expect(await again.next('existingParticipants')).toMatchObject({ resumed: true, userId: 'ann' });
    await clients[1]!.next('participantReconnected', (m) => m.userId === 'ann');

    // New links for ann: a new outgoing endpoint, and a new incoming one per publisher.
    await publish(again, 'ann', 'ann-pub-2');
    await receive(again, 'ben', 'ann-from-ben-2');
    await receive(again, 'cat', 'ann-from-cat-2');
    await eventually(() => {
      expect(kms.endpoints()).toHaveLength(9);
      const ids = kms.endpoints().map((e) => e.id);
      // ben's and cat's endpoints are the very same objects...
      for (const id of othersKeep) expect(ids).toContain(id);
      // ...ann's old ones are released...
      for (const id of annOld) expect(ids).not.toContain(id);
      // ...and what ben and cat receive of ann now comes from her new outgoing endpoint.
      const annPub = endpointMarked('ann-pub-2').id;
      expect(endpointMarked('ben-from-ann').source).toBe(annPub);
      expect(endpointMarked('cat-from-ann').source).toBe(annPub);
      expect(endpointMarked('ann-from-ben-2').source).toBe(endpointMarked('ben-pub').id);
      expect(endpointMarked('ann-from-cat-2').source).toBe(endpointMarked('cat-pub').id);
    });
    const released = new Set(kms.requests().filter((r) => r.method === 'release').map((r) => r.objectId));
    expect(released).toEqual(new Set(annOld));
    expect(clients[1]!.received.some((m) => m.id === 'participantLeft')).toBe(false);
  });
});
