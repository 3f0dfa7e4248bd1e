import { buildAnswer, parseSdp } from '../../support/kurento-emulator/sdp';
import type { SignalingClient } from '../../support/signaling-client';
import type { RunningNode } from '../../../src/start-node';
import { candidate, closeAll, connectClients, publish, receiveFrom } from './kurento-test-kit';

/**
 * The seed's message flow, asserted only on what clients see, so that the same assertions run against
 * the emulator (seed-flow-messages.test.ts) and against a real KMS (real-kms/seed-flow.real-kms.ts).
 * Topology checks that need to look inside the media server live in seed-flow.test.ts.
 */
export const seedFlowScenarios = (context: () => { node: RunningNode; roomPrefix: string }): void => {
  const open: SignalingClient[] = [];
  afterEach(async () => {
    await closeAll(open.splice(0));
  });
  const clients = async (n: number): Promise<SignalingClient[]> => {
    const made = await connectClients(context().node, n);
    open.push(...made);
    return made;
  };
  const room = (name: string): string => `${context().roomPrefix}${name}`;

  it('joinRoom → existingParticipants / newParticipantArrived, with the kurento capabilities', async () => {
    const [alice, bob] = await clients(2);
    const first = await alice!.join({ userId: 'alice', roomId: room('join'), requestId: 'j1' });
    expect(first).toMatchObject({ id: 'existingParticipants', members: [], requestId: 'j1', media: { backend: 'kurento', peerToPeer: false } });
    const second = await bob!.join({ userId: 'bob', roomId: room('join'), video: false });
    expect(second.members).toEqual([{ userId: 'alice', video: true, audio: true }]);
    expect(await alice!.next('newParticipantArrived')).toEqual({ id: 'newParticipantArrived', member: { userId: 'bob', video: false, audio: true } });
  });

  it('receiveVideoFrom (own id and another\'s) → receiveVideoAnswer, then iceCandidate for that connection', async () => {
    const [alice, bob] = await clients(2);
    await alice!.join({ userId: 'alice', roomId: room('media') });
    await bob!.join({ userId: 'bob', roomId: room('media') });
    const own = await publish(alice!, 'alice');
    expect(own).toMatchObject({ id: 'receiveVideoAnswer', userId: 'alice' });
    expect(String(own.sdpAnswer)).toMatch(/^v=0\r?\n/);
    expect(await alice!.next('iceCandidate', (m) => m.userId === 'alice', 10_000)).toMatchObject({
      candidate: { candidate: expect.stringMatching(/^candidate:/), sdpMLineIndex: expect.any(Number) },
    });
    alice!.send({ id: 'onIceCandidate', userId: 'alice', candidate: candidate(1), requestId: 'c1' });
    expect(await alice!.next('ack', (m) => m.requestId === 'c1')).toEqual({ id: 'ack', requestId: 'c1' });

    const theirs = await receiveFrom(bob!, 'alice');
    expect(String(theirs.sdpAnswer)).toMatch(/^v=0\r?\n/);
    expect(await bob!.next('iceCandidate', (m) => m.userId === 'alice', 10_000)).toMatchObject({ id: 'iceCandidate', userId: 'alice' });
    bob!.send({ id: 'onIceCandidate', userId: 'alice', candidate: candidate(2), requestId: 'c2' });
    expect(await bob!.next('ack', (m) => m.requestId === 'c2')).toEqual({ id: 'ack', requestId: 'c2' });
  });

  it('receiveVideoFrom for someone who is not in the room gets error unknownUser, not a crash', async () => {
    const [alice] = await clients(1);
    await alice!.join({ userId: 'alice', roomId: room('unknown') });
    alice!.send({ id: 'receiveVideoFrom', userId: 'nobody', sdpOffer: 'v=0\r\n', requestId: 'u1' });
    expect(await alice!.next('error')).toMatchObject({ code: 'unknownUser', requestId: 'u1' });
  });

  it('leaveRoom and a dropped socket → participantLeft to the others', async () => {
    const [alice, bob, carol] = await clients(3);
    await alice!.join({ userId: 'alice', roomId: room('leave') });
    await bob!.join({ userId: 'bob', roomId: room('leave') });
    await carol!.join({ userId: 'carol', roomId: room('leave') });
    await publish(alice!, 'alice');
    await publish(bob!, 'bob');
    await receiveFrom(alice!, 'bob');
    await receiveFrom(bob!, 'alice');
    bob!.send({ id: 'leaveRoom' });
    expect(await alice!.next('participantLeft')).toEqual({ id: 'participantLeft', userId: 'bob' });
    expect(await carol!.next('participantLeft')).toEqual({ id: 'participantLeft', userId: 'bob' });
    await carol!.close();
    expect(await alice!.next('participantLeft')).toEqual({ id: 'participantLeft', userId: 'carol' });
    // The one left can still publish anew.
    expect(await publish(alice!, 'alice')).toMatchObject({ userId: 'alice' });
  });

  it('two concurrent first joins both get in, one of them seeing the other', async () => {
    const [a, b] = await clients(2);
    const [ja, jb] = await Promise.all([a!.join({ userId: 'ra', roomId: room('race') }), b!.join({ userId: 'rb', roomId: room('race') })]);
    expect([(ja.members as unknown[]).length, (jb.members as unknown[]).length].sort()).toEqual([0, 1]);
    await publish(a!, 'ra');
    expect(await receiveFrom(b!, 'ra')).toMatchObject({ userId: 'ra' });
  });

  it('server-offered subscription: subscribe → subscribeOffer → subscribeAnswer', async () => {
    const [alice, bob] = await clients(2);
    await alice!.join({ userId: 'alice', roomId: room('offer') });
    await bob!.join({ userId: 'bob', roomId: room('offer') });
    await publish(alice!, 'alice');
    bob!.send({ id: 'subscribe', userId: 'alice', requestId: 's1' });
    const offer = await bob!.next('subscribeOffer');
    expect(offer).toMatchObject({ userId: 'alice', requestId: 's1' });
    // KMS lists AV1 and VP9 first; the offer the client gets leads with what alice sends, so KMS need not transcode.
    const sdpOffer = String(offer.sdpOffer);
    const firstVideo = /^m=video \S+ \S+ (\d+)/m.exec(sdpOffer)?.[1];
    expect(new RegExp(`^a=rtpmap:${firstVideo} VP8/`, 'm').test(sdpOffer)).toBe(true);
    bob!.send({ id: 'subscribeAnswer', userId: 'alice', sdpAnswer: buildAnswer(parseSdp(String(offer.sdpOffer))), requestId: 's2' });
    expect(await bob!.next('ack', (m) => m.requestId === 's2')).toEqual({ id: 'ack', requestId: 's2' });
    expect(await bob!.next('iceCandidate', (m) => m.userId === 'alice', 10_000)).toMatchObject({ userId: 'alice' });
  });
};
