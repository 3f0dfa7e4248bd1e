import { sampleOffer } from '../../support/kurento-emulator';
import type { SignalingClient } from '../../support/signaling-client';
import { candidate, endpointMarked as markedIn, eventually, marker, publish, receiveFrom, kurentoRig } from './kurento-test-kit';

jest.setTimeout(60_000);


describe('Kurento backend: the seed client flow against the KMS emulator', () => {
  const rig = kurentoRig('all', { leavesNothing: true });

  const { clients } = rig;

  const endpointMarked = (label: string) => markedIn(rig.kms, label);

  /** Joins, publishes, receives everyone, and marks every link with a candidate. */
  const fullMesh = async (room: string, users: readonly string[]): Promise<SignalingClient[]> => {
    const cs = await clients(users.length);
    for (const [i, u] of users.entries()) {
      const joined = await cs[i]!.join({ userId: u, roomId: room });
      expect(joined.members).toEqual(users.slice(0, i).map((userId) => ({ userId, video: true, audio: true })));
      expect(joined.media).toMatchObject({ backend: 'kurento', publish: true, clientOfferedSubscribe: true, serverOfferedSubscribe: true, peerToPeer: false });
    }
    for (const [i, u] of users.entries()) {
      const answer = await publish(cs[i]!, u);
      expect(String(answer.sdpAnswer)).toMatch(/^v=0\r\n/);
      cs[i]!.send({ id: 'onIceCandidate', userId: u, candidate: marker(`${u}-pub`) });
    }
    for (const [i, r] of users.entries()) {
      for (const s of users) {
        if (s === r) continue;
        await receiveFrom(cs[i]!, s);
        cs[i]!.send({ id: 'onIceCandidate', userId: s, candidate: marker(`${r}-from-${s}`) });
      }
    }
    // Trickled candidates get no reply: wait until every marker reached its endpoint.
    await eventually(() => {
      for (const r of users) {
        endpointMarked(`${r}-pub`);
        for (const s of users) if (s !== r) endpointMarked(`${r}-from-${s}`);
      }
    });
    return cs;
  };

  it('builds exactly one pipeline, N outgoing and N(N-1) incoming endpoints, connected sender → receiver', async () => {
    const users = ['alice', 'bob', 'carol'];
    const [alice, bob] = await fullMesh('c-topology', users);
    expect(await bob!.next('newParticipantArrived')).toEqual({ id: 'newParticipantArrived', member: { userId: 'carol', video: true, audio: true } });
    expect(await alice!.next('newParticipantArrived')).toMatchObject({ member: { userId: 'bob' } });

    await eventually(() => {
      expect(rig.kms.pipelines()).toHaveLength(1);
      expect(rig.kms.endpoints()).toHaveLength(3 + 3 * 2);
      for (const r of users) {
        const out = endpointMarked(`${r}-pub`);
        expect(out.source).toBeUndefined();
        expect(out.negotiation).toBe('offerProcessed');
        expect(out.subscriptions).toContain('IceCandidateFound');
        for (const s of users) {
          if (s === r) continue;
          const inc = endpointMarked(`${r}-from-${s}`);
          expect(inc.source).toBe(endpointMarked(`${s}-pub`).id);
          expect(inc.negotiation).toBe('offerProcessed');
        }
      }
      for (const e of rig.kms.endpoints()) expect(e.pipelineId).toBe(rig.kms.pipelines()[0]!.id);
    });
  });

  it('sends the endpoints\' ICE candidates to the right client, labelled with the right userId', async () => {
    const [alice, bob] = await clients(2);
    await alice!.join({ userId: 'alice', roomId: 'c-ice' });
    await bob!.join({ userId: 'bob', roomId: 'c-ice' });
    await publish(alice!, 'alice');
    const own = await alice!.next('iceCandidate');
    expect(own).toMatchObject({ id: 'iceCandidate', userId: 'alice', candidate: { sdpMid: expect.any(String), sdpMLineIndex: expect.any(Number) } });
    expect(String((own.candidate as { candidate: string }).candidate)).toMatch(/^candidate:/);

    await receiveFrom(bob!, 'alice');
    expect(await bob!.next('iceCandidate')).toMatchObject({ userId: 'alice' });
    // Bob did not publish: none of his candidates may be labelled as his own connection, and alice
    // gets no candidate of bob's incoming endpoint.
    await new Promise((r) => setTimeout(r, 300));
    expect(bob!.received.filter((m) => m.id === 'iceCandidate' && m.userId !== 'alice')).toEqual([]);
    expect(alice!.received.filter((m) => m.id === 'iceCandidate' && m.userId !== 'alice')).toEqual([]);
  });

  it('keeps client candidates that arrive before their endpoint exists, and hands them over when it does', async () => {
    const [alice, bob] = await clients(2);
    await alice!.join({ userId: 'alice', roomId: 'c-early' });
    await bob!.join({ userId: 'bob', roomId: 'c-early' });
    await publish(alice!, 'alice');
    bob!.send({ id: 'onIceCandidate', userId: 'alice', candidate: marker('early-1'), requestId: 'e1' });
    bob!.send({ id: 'onIceCandidate', userId: 'alice', candidate: marker('early-2'), requestId: 'e2' });
    expect(await bob!.next('ack', (m) => m.requestId === 'e2')).toEqual({ id: 'ack', requestId: 'e2' });
    expect(rig.kms.endpoints()).toHaveLength(2); // nothing to receive alice's media yet
    await receiveFrom(bob!, 'alice');
    await eventually(() => {
      const inc = endpointMarked('early-1');
      expect(inc.remoteCandidates.map((c) => c.candidate.split(' ').pop())).toEqual(['early-1', 'early-2']);
      expect(inc.source).toBe(rig.kms.endpoints().find((e) => e.sinks.includes(inc.id))!.id);
    });
  });

  it('leaveRoom releases exactly the leaver\'s endpoints and those fed by it; the others keep theirs', async () => {
    const users = ['ann', 'ben', 'cat'];
    const [ann, ben, cat] = await fullMesh('c-leave', users);
    await eventually(() => expect(rig.kms.endpoints()).toHaveLength(9));
    const benIds = new Set([
      endpointMarked('ben-pub').id, endpointMarked('ben-from-ann').id, endpointMarked('ben-from-cat').id,
      endpointMarked('ann-from-ben').id, endpointMarked('cat-from-ben').id,
    ]);
    const keep = rig.kms.endpoints().map((e) => e.id).filter((id) => !benIds.has(id));
    const releasesBefore = rig.kms.requests().filter((r) => r.method === 'release').length;

    ben!.send({ id: 'leaveRoom' });
    expect(await ann!.next('participantLeft')).toEqual({ id: 'participantLeft', userId: 'ben' });
    expect(await cat!.next('participantLeft')).toEqual({ id: 'participantLeft', userId: 'ben' });
    await eventually(() => expect(rig.kms.endpoints().map((e) => e.id).sort()).toEqual([...keep].sort()));
    const released = rig.kms.requests().filter((r) => r.method === 'release').slice(releasesBefore).map((r) => r.objectId);
    expect(new Set(released)).toEqual(benIds);
    expect(rig.kms.pipelines()).toHaveLength(1);
    expect(endpointMarked('ann-from-cat').source).toBe(endpointMarked('cat-pub').id);

    // The socket drop of the next one frees its share the same way.
    await cat!.close();
    expect(await ann!.next('participantLeft')).toEqual({ id: 'participantLeft', userId: 'cat' });
    await eventually(() => expect(rig.kms.endpoints().map((e) => e.id)).toEqual([endpointMarked('ann-pub').id]));

    // The last one out takes the pipeline with it.
    const pipelineId = rig.kms.pipelines()[0]!.id;
    ann!.send({ id: 'leaveRoom' });
    await eventually(() => expect(rig.kms.liveObjectCount()).toBe(0));
    expect(rig.kms.requests().some((r) => r.method === 'release' && r.objectId === pipelineId)).toBe(true);
  });

  it('creates one pipeline when two first joins of a room race', async () => {
    const [a, b] = await clients(2);
    const pipelineCreates = () => rig.kms.requests().filter((r) => r.method === 'create' && r.detail === 'MediaPipeline').length;
    const before = rig.kms.pipelines().length;
    const createsBefore = pipelineCreates();
    const [ja, jb] = await Promise.all([a!.join({ userId: 'racer-a', roomId: 'c-race' }), b!.join({ userId: 'racer-b', roomId: 'c-race' })]);
    expect([ja.members, jb.members].map((m) => (m as unknown[]).length).sort()).toEqual([0, 1]);
    expect(rig.kms.pipelines()).toHaveLength(before + 1);
    expect(pipelineCreates()).toBe(createsBefore + 1);
    expect(rig.kms.endpoints().filter((e) => e.pipelineId === rig.kms.pipelines()[before]!.id)).toHaveLength(2);
  });

  it('lets the server offer a subscription (subscribe → subscribeOffer → subscribeAnswer)', async () => {
    const [alice, bob] = await clients(2);
    await alice!.join({ userId: 'alice', roomId: 'c-server-offer' });
    await bob!.join({ userId: 'bob', roomId: 'c-server-offer' });
    await publish(alice!, 'alice');
    alice!.send({ id: 'onIceCandidate', userId: 'alice', candidate: marker('so-alice-pub') });

    bob!.send({ id: 'subscribe', userId: 'alice', requestId: 's-1' });
    const offer = await bob!.next('subscribeOffer');
    expect(offer).toMatchObject({ id: 'subscribeOffer', userId: 'alice', requestId: 's-1' });
    expect(String(offer.sdpOffer)).toMatch(/^v=0\r\n/);
    bob!.send({ id: 'subscribeAnswer', userId: 'alice', sdpAnswer: sampleOffer('recvonly'), requestId: 's-2' });
    expect(await bob!.next('ack', (m) => m.requestId === 's-2')).toEqual({ id: 'ack', requestId: 's-2' });
    expect(await bob!.next('iceCandidate', (m) => m.userId === 'alice')).toMatchObject({ userId: 'alice' });

    await eventually(() => {
      const incoming = rig.kms.endpoints().find((e) => e.source !== undefined)!;
      expect(incoming.source).toBe(endpointMarked('so-alice-pub').id);
      expect(incoming.negotiation).toBe('answerProcessed');
    });
    const ops = rig.kms.sdpCalls().slice(-2).map((c) => c.operation);
    expect(ops).toEqual(['generateOffer', 'processAnswer']);

    // An answer with no pending offer is a typed refusal, not a crash.
    bob!.send({ id: 'subscribeAnswer', userId: 'alice', sdpAnswer: sampleOffer('recvonly'), requestId: 's-3' });
    expect(await bob!.next('error')).toMatchObject({ code: 'mediaBackendError', requestId: 's-3' });
  });
});
