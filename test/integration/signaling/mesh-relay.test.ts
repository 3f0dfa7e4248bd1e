import { SignalingClient } from '../../support/signaling-client';
import { startTestServer } from '../../support/start-server';
import type { RunningNode } from '../../../src/start-node';

jest.setTimeout(20_000);

const candidate = (n: number) => ({ candidate: `candidate:${n} 1 udp 2122260223 127.0.0.1 5${n}000 typ host`, sdpMid: '0', sdpMLineIndex: 0 });

describe('SDP and ICE relay between peers (mesh)', () => {
  let node: RunningNode;
  let alice: SignalingClient;
  let bob: SignalingClient;

  beforeAll(async () => {
    node = await startTestServer();
  });
  beforeEach(async () => {
    alice = await SignalingClient.connect(node.wsUrl);
    bob = await SignalingClient.connect(node.wsUrl);
    await alice.join({ userId: 'alice', roomId: 'r-relay' });
    await bob.join({ userId: 'bob', roomId: 'r-relay' });
    alice.drain();
  });
  afterEach(async () => {
    await Promise.all([alice.close(), bob.close()]);
  });
  afterAll(async () => {
    await node.stop();
  });

  it('relays the seed flow: the subscriber offers, the publisher answers, candidates go both ways', async () => {
    bob.send({ id: 'receiveVideoFrom', userId: 'alice', sdpOffer: 'v=0 offer-from-bob', requestId: 'o1' });
    expect(await alice.next('peerOffer')).toEqual({ id: 'peerOffer', userId: 'bob', sdpOffer: 'v=0 offer-from-bob', requestId: 'o1' });

    alice.send({ id: 'peerAnswer', userId: 'bob', sdpAnswer: 'v=0 answer-from-alice' });
    expect(await bob.next('receiveVideoAnswer')).toEqual({ id: 'receiveVideoAnswer', userId: 'alice', sdpAnswer: 'v=0 answer-from-alice' });

    bob.send({ id: 'onIceCandidate', userId: 'alice', candidate: candidate(1) });
    expect(await alice.next('peerIceCandidate')).toEqual({ id: 'peerIceCandidate', userId: 'bob', candidate: candidate(1) });
    alice.send({ id: 'peerIceCandidate', userId: 'bob', candidate: candidate(2) });
    expect(await bob.next('iceCandidate')).toEqual({ id: 'iceCandidate', userId: 'alice', candidate: candidate(2) });
  });

  it('relays the backend-neutral flow: the subscriber asks, the publisher offers, the subscriber answers', async () => {
    bob.send({ id: 'subscribe', userId: 'alice', requestId: 's1' });
    expect(await alice.next('peerSubscribe')).toEqual({ id: 'peerSubscribe', userId: 'bob', requestId: 's1' });
    alice.send({ id: 'peerOffer', userId: 'bob', sdpOffer: 'v=0 offer-from-alice', requestId: 'p1' });
    expect(await alice.next('ack')).toEqual({ id: 'ack', requestId: 'p1' });
    expect(await bob.next('subscribeOffer')).toEqual({ id: 'subscribeOffer', userId: 'alice', sdpOffer: 'v=0 offer-from-alice', requestId: 'p1' });
    bob.send({ id: 'subscribeAnswer', userId: 'alice', sdpAnswer: 'v=0 answer-from-bob' });
    expect(await alice.next('peerAnswer')).toEqual({ id: 'peerAnswer', userId: 'bob', sdpAnswer: 'v=0 answer-from-bob' });
  });

  it('refuses publishing, which needs a media server, with a typed error naming the flow to use', async () => {
    bob.send({ id: 'receiveVideoFrom', userId: 'bob', sdpOffer: 'v=0 own', requestId: 'own' });
    const error = await bob.next('error');
    expect(error).toMatchObject({ code: 'unsupportedFlow', requestId: 'own' });
    expect(String(error.message)).toMatch(/peerOffer/);
    bob.send({ id: 'publish', sdpOffer: 'v=0 own' });
    expect(await bob.next('error')).toMatchObject({ code: 'unsupportedFlow' });
    await alice.expectNone('peerOffer', 50);
  });

  it('relays nothing to or from someone who is not in the room', async () => {
    bob.send({ id: 'receiveVideoFrom', userId: 'mallory', sdpOffer: 'v=0 x', requestId: 'm1' });
    expect(await bob.next('error')).toMatchObject({ code: 'unknownUser', requestId: 'm1' });
    bob.send({ id: 'onIceCandidate', userId: 'mallory', candidate: candidate(3) });
    expect(await bob.next('error')).toMatchObject({ code: 'unknownUser' });
    bob.send({ id: 'peerIceCandidate', userId: 'bob', candidate: candidate(4) });
    expect(await bob.next('error')).toMatchObject({ code: 'invalidMessage' });
    const outsider = await SignalingClient.connect(node.wsUrl);
    await outsider.join({ userId: 'mallory', roomId: 'r-other' });
    outsider.send({ id: 'peerOffer', userId: 'alice', sdpOffer: 'v=0 x' });
    expect(await outsider.next('error')).toMatchObject({ code: 'unknownUser' });
    await alice.expectNone('peerOffer', 50);
    await outsider.close();
  });

  it('keeps working for the others when one peer leaves mid-negotiation', async () => {
    bob.send({ id: 'receiveVideoFrom', userId: 'alice', sdpOffer: 'v=0 o' });
    await alice.next('peerOffer');
    await bob.close();
    expect(await alice.next('participantLeft')).toEqual({ id: 'participantLeft', userId: 'bob' });
    alice.send({ id: 'peerAnswer', userId: 'bob', sdpAnswer: 'v=0 late' });
    expect(await alice.next('error')).toMatchObject({ code: 'unknownUser' });
  });
});
