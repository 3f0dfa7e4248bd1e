import { sampleOffer } from '../../support/kurento-emulator';
import type { SignalingClient, WireMessage } from '../../support/signaling-client';
import { eventually, publish, receiveFrom, kurentoRig } from './kurento-test-kit';

jest.setTimeout(60_000);

const MEDIA_TIMEOUT_MS = 1_500;

/** KMS's error for a failed gathering (kms-core's ICE_GATHER_CANDIDATES_ERROR). */
const GATHER_ERROR = { code: 40400, type: 'ICE_GATHER_CANDIDATES_ERROR', message: 'Error gathering candidates' };

/**
 * `gatherCandidates` comes after the answer (or the server's offer) went to the client with its requestId:
 * that signal is the reply. A gathering that fails must not reply a second time, and must not leave the link
 * silently dead: the client is told (an `error` without requestId naming the link) and its next negotiation
 * of the link gets a fresh endpoint.
 */
describe('Kurento backend: a gatherCandidates that fails after the reply was sent', () => {
  const rig = kurentoRig('all', { env: { MEDIA_TIMEOUT_MS: String(MEDIA_TIMEOUT_MS) }, beforeCleanup: (r) => r.kms.clearFaults(), leavesNothing: true });

  const { clients } = rig;

  /** The first error after the reply must be the link notice, not a second reply to `requestId`. */
  const expectLinkNotice = async (client: SignalingClient, linkUserId: string, requestId: string, timeoutMs = 5_000): Promise<WireMessage> => {
    const error = await client.next('error', () => true, timeoutMs);
    expect(error.requestId).toBeUndefined();
    expect(error).toMatchObject({ id: 'error', code: 'mediaBackendError', details: { userId: linkUserId } });
    await client.expectNone('error', 300);
    expect(client.drain().filter((m) => m.requestId === requestId)).toEqual([]);
    return error;
  };

  it('after processOffer: one reply (the answer), a notice naming the link, and the next offer on it gets a working endpoint', async () => {
    const [alice, bob] = await clients(2);
    await alice!.join({ userId: 'alice', roomId: 'g-offer' });
    await bob!.join({ userId: 'bob', roomId: 'g-offer' });
    rig.kms.failNext('gatherCandidates', GATHER_ERROR);
    alice!.send({ id: 'receiveVideoFrom', userId: 'alice', sdpOffer: sampleOffer('sendonly'), requestId: 'gp-1' });
    expect(await alice!.next('receiveVideoAnswer', (m) => m.requestId === 'gp-1')).toMatchObject({ userId: 'alice' });
    const notice = await expectLinkNotice(alice!, 'alice', 'gp-1');
    expect(String(notice.message)).toContain('ICE_GATHER_CANDIDATES_ERROR');
    const dead = rig.kms.endpoints().filter((e) => e.negotiation !== 'none').map((e) => e.id);
    expect(dead).toHaveLength(1);

    // The client offers again on that link: a fresh endpoint, which gathers, and bob can receive from it.
    expect(await publish(alice!, 'alice')).toMatchObject({ userId: 'alice' });
    expect(await alice!.next('iceCandidate', (m) => m.userId === 'alice')).toBeDefined();
    expect(await receiveFrom(bob!, 'alice')).toMatchObject({ userId: 'alice' });
    expect(await bob!.next('iceCandidate', (m) => m.userId === 'alice')).toBeDefined();
    await eventually(() => {
      const endpoints = rig.kms.endpoints();
      expect(endpoints).toHaveLength(3); // alice's new outgoing, bob's outgoing, bob's subscription
      expect(endpoints.some((e) => e.id === dead[0])).toBe(false);
    });
  });

  it('after generateOffer: one reply (the offer), a notice, an answer to the dead offer refused, and a new subscribe works', async () => {
    const [alice, bob] = await clients(2);
    await alice!.join({ userId: 'alice', roomId: 'g-sub' });
    await bob!.join({ userId: 'bob', roomId: 'g-sub' });
    await publish(alice!, 'alice');
    rig.kms.failNext('gatherCandidates', GATHER_ERROR);
    bob!.send({ id: 'subscribe', userId: 'alice', requestId: 'gs-1' });
    expect(await bob!.next('subscribeOffer', (m) => m.requestId === 'gs-1')).toMatchObject({ userId: 'alice' });
    await expectLinkNotice(bob!, 'alice', 'gs-1');

    // Answering the offer of the dead endpoint would complete a link that can never connect: refused.
    bob!.send({ id: 'subscribeAnswer', userId: 'alice', sdpAnswer: sampleOffer('recvonly'), requestId: 'gs-ans-1' });
    expect(await bob!.next('error', (m) => m.requestId === 'gs-ans-1')).toMatchObject({ code: 'mediaBackendError' });

    bob!.send({ id: 'subscribe', userId: 'alice', requestId: 'gs-2' });
    expect(await bob!.next('subscribeOffer', (m) => m.requestId === 'gs-2')).toMatchObject({ userId: 'alice' });
    bob!.send({ id: 'subscribeAnswer', userId: 'alice', sdpAnswer: sampleOffer('recvonly'), requestId: 'gs-ans-2' });
    expect(await bob!.next('ack', (m) => m.requestId === 'gs-ans-2')).toEqual({ id: 'ack', requestId: 'gs-ans-2' });
    expect(await bob!.next('iceCandidate', (m) => m.userId === 'alice')).toBeDefined();
    await eventually(() => expect(rig.kms.endpoints()).toHaveLength(3)); // the dead subscription endpoint was released
  });

  it('a gatherCandidates never answered: the answer stays the only reply, the notice comes after MEDIA_TIMEOUT_MS', async () => {
    const [alice, bob] = await clients(2);
    await alice!.join({ userId: 'alice', roomId: 'g-hang' });
    await bob!.join({ userId: 'bob', roomId: 'g-hang' });
    await publish(alice!, 'alice');
    rig.kms.hangNext('gatherCandidates');
    bob!.send({ id: 'receiveVideoFrom', userId: 'alice', sdpOffer: sampleOffer('recvonly'), requestId: 'gh-1' });
    expect(await bob!.next('receiveVideoAnswer', (m) => m.requestId === 'gh-1')).toMatchObject({ userId: 'alice' });
    const notice = await expectLinkNotice(bob!, 'alice', 'gh-1', 10_000);
    expect(String(notice.message)).toMatch(/no answer within 1500 ms/);
    expect(await receiveFrom(bob!, 'alice')).toMatchObject({ userId: 'alice' });
    expect(await bob!.next('iceCandidate', (m) => m.userId === 'alice')).toBeDefined();
  });

  it('a gatherCandidates KMS carries out after the deadline: the dead endpoint\'s candidates are not sent after the notice', async () => {
    // KMS answered late (overloaded): it gathers after all, and announces candidates of the endpoint the
    // client was told is dead. A client rebuilds the link at the notice; candidates arriving then are put
    // on its new connection, whose remote end is another endpoint.
    const [alice] = await clients(1);
    await alice!.join({ userId: 'alice', roomId: 'g-late' });
    const logStart = rig.kms.requests().length;
    rig.kms.delayNext('gatherCandidates', MEDIA_TIMEOUT_MS + 500);
    alice!.send({ id: 'receiveVideoFrom', userId: 'alice', sdpOffer: sampleOffer('sendonly'), requestId: 'gl-1' });
    expect(await alice!.next('receiveVideoAnswer', (m) => m.requestId === 'gl-1')).toMatchObject({ userId: 'alice' });
    const notice = await alice!.next('error', () => true, 10_000);
    expect(notice).toMatchObject({ code: 'mediaBackendError', details: { userId: 'alice', link: 'publish' } });
    expect(notice.requestId).toBeUndefined();
    expect(alice!.drain().filter((m) => m.id === 'iceCandidate')).toEqual([]); // KMS had not gathered yet
    // KMS gathers now, about 500 ms after the notice, and announces the dead endpoint's candidates to the node.
    await eventually(() => expect(rig.kms.requests().slice(logStart).some((r) => r.detail === 'gatherCandidates' && r.outcome === 'ok')).toBe(true), 3_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(alice!.received.filter((m) => m.id === 'iceCandidate')).toEqual([]);
  });
});
