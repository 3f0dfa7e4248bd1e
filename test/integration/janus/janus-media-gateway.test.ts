import { PUBLISH, SignalingError, subscribeTo, type MediaSession } from '../../../src/domain';
import type { MediaBackendEvent, MediaPublished, MediaSignal } from '../../../src/application';
import { launchDemoBrowser, type DemoBrowser } from '../../support/demo-browser';
import { startJanus, type JanusFixture } from '../../support/janus-fixture';
import { BrowserPeer, eventually } from '../../support/janus/browser-peer';
import { startGateway, type GatewayHarness } from '../../support/janus/gateway-harness';
import { ownAddresses } from '../../support/janus/janus-config';
import { countJanusHandles, listParticipants } from '../../support/janus/janus-probe';
import { loopbackCandidate, publishOffer } from '../../support/janus/sample-sdp';

jest.setTimeout(60_000);

type Signal<T extends MediaSignal['type']> = Extract<MediaSignal, { type: T }>;
const signal =
  <T extends MediaSignal['type']>(type: T, to: string) =>
  (e: MediaBackendEvent): e is Signal<T> =>
    e.type === type && e.to === to;

const rejection = async (work: Promise<unknown>): Promise<SignalingError> => {
  try {
    await work;
  } catch (error) {
    if (error instanceof SignalingError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
};

describe('JanusMediaGateway against a real Janus', () => {
  let janus: JanusFixture;
  let h: GatewayHarness;
  let browser: DemoBrowser;

  beforeAll(async () => {
    janus = await startJanus({ adminApi: true });
    h = startGateway(janus.url);
    browser = await launchDemoBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.gateway.shutdown();
    await janus?.stop();
  });

  /** A real publisher: Chromium offers its fake camera, Janus answers, candidates flow until connected. */
  const livePublisher = async (session: MediaSession, userId: string): Promise<BrowserPeer> => {
    const peer = await BrowserPeer.open(await browser.browser.newPage());
    await h.gateway.addParticipant(session, userId);
    await h.gateway.offer(session, userId, PUBLISH, await peer.publishOffer('publish'));
    await peer.setAnswer('publish', (await h.nextEvent(signal('answer', userId))).sdp);
    await eventually(`${userId}'s publish connection`, async () => {
      for (const c of await peer.takeCandidates('publish')) await h.gateway.addIceCandidate(session, userId, PUBLISH, c);
      return (await peer.connectionState('publish')) === 'connected';
    });
    // The browser sees its connection up a moment before Janus does (its webrtcup); until then Janus
    // refuses subscribers to this feed, so wait for Janus's own word that the publisher is live.
    await eventually(`${userId} publishing in Janus`, async () =>
      (await listParticipants(janus.url, Number(session.ref))).some((p) => p.display === userId && p.publisher),
    );
    return peer;
  };

  const open = async (roomId: string, capacity = 4): Promise<MediaSession> => h.gateway.openSession(roomId, { capacity });
  const publish = async (session: MediaSession, userId: string): Promise<Signal<'answer'>> => {
    await h.gateway.addParticipant(session, userId);
    await h.gateway.offer(session, userId, PUBLISH, publishOffer(), `pub-${userId}`);
    return h.nextEvent(signal('answer', userId));
  };

  it('reports the VideoRoom capabilities: publish and server-offered subscriptions only', () => {
    expect(h.gateway.capabilities()).toEqual({
      backend: 'janus',
      publish: true,
      clientOfferedSubscribe: false,
      serverOfferedSubscribe: true,
      peerToPeer: false,
    });
  });

  it('creates one VideoRoom room per session, sized to the capacity, and destroys it on close', async () => {
    const session = await open('c-capacity', 7);
    expect(session.backend).toBe('janus');
    const janusRoom = Number(session.ref);
    const listed = (await janus.listRooms()).find((r) => r.room === janusRoom);
    expect(listed).toMatchObject({ room: janusRoom, max_publishers: 7 });
    expect(h.gateway.isAvailable()).toBe(true);

    await h.gateway.closeSession(session);
    expect((await janus.listRooms()).map((r) => r.room)).not.toContain(janusRoom);
    // Closing again (the backend already forgot it) is not an error.
    await expect(h.gateway.closeSession(session)).resolves.toBeUndefined();
  });

  it('answers a publisher\'s offer with Janus\'s SDP answer, echoing the request id', async () => {
    const session = await open('c-publish');
    const answer = await publish(session, 'alice');
    expect(answer).toMatchObject({ type: 'answer', roomId: 'c-publish', to: 'alice', link: { kind: 'publish' }, requestId: 'pub-alice' });
    expect(answer.sdp).toMatch(/^v=0/);
    expect(answer.sdp).toMatch(/a=recvonly/);
    // Janus's own candidates come inside the SDP (half-trickle), on this machine's own address only.
    const candidates = answer.sdp.split('\r\n').filter((l) => l.startsWith('a=candidate:'));
    expect(candidates.length).toBeGreaterThan(0);
    const own = ownAddresses();
    for (const c of candidates) expect(own).toContain(c.split(' ')[4]);

    // In the room, though not yet counted as publishing: this SDP never gets a PeerConnection up.
    const participants = await listParticipants(janus.url, Number(session.ref));
    expect(participants).toEqual([expect.objectContaining({ display: 'alice' })]);
    // Client candidates go to the publisher handle; Janus acknowledges them.
    await expect(h.gateway.addIceCandidate(session, 'alice', PUBLISH, loopbackCandidate('0'))).resolves.toBeUndefined();
    await expect(h.gateway.addIceCandidate(session, 'alice', PUBLISH, { candidate: '' })).resolves.toBeUndefined();
    await h.gateway.closeSession(session);
  });

  it('says when a publisher\'s media is up (participantPublished): before, subscribing is refused; after, it is offered at once', async () => {
    const session = await open('c-published');
    const peer = await BrowserPeer.open(await browser.browser.newPage());
    await h.gateway.addParticipant(session, 'alice');
    await h.gateway.addParticipant(session, 'bob');
    await h.gateway.offer(session, 'alice', PUBLISH, await peer.publishOffer('publish'));
    const answer = await h.nextEvent(signal('answer', 'alice'));
    // Janus answered, but the browser has not even seen the answer: no PeerConnection, no feed to subscribe to.
    const early = await rejection(h.gateway.requestOffer(session, 'bob', subscribeTo('alice')));
    expect(early).toMatchObject({ code: 'mediaBackendError', details: { userId: 'alice' } });
    const published = h.nextEvent((e): e is MediaPublished => e.type === 'published' && e.userId === 'alice', 15_000);
    await peer.setAnswer('publish', answer.sdp);
    for (const c of await peer.takeCandidates('publish')) await h.gateway.addIceCandidate(session, 'alice', PUBLISH, c);
    expect(await published).toEqual({ type: 'published', roomId: 'c-published', userId: 'alice' });
    // Asked the moment it is said, the subscription is offered: no retry.
    await h.gateway.requestOffer(session, 'bob', subscribeTo('alice'), 'sub-1');
    expect(await h.nextEvent(signal('offer', 'bob'))).toMatchObject({ link: { kind: 'subscribe', publisher: 'alice' }, requestId: 'sub-1' });
    await h.gateway.closeSession(session);
  });

  it('offers a subscription from Janus and starts it with the client\'s answer; video flows', async () => {
    const session = await open('c-subscribe');
    const alice = await livePublisher(session, 'alice');
    const bob = await BrowserPeer.open(await browser.browser.newPage());
    await h.gateway.addParticipant(session, 'bob');

    await h.gateway.requestOffer(session, 'bob', subscribeTo('alice'), 'sub-1');
    const offer = await h.nextEvent(signal('offer', 'bob'));
    expect(offer).toMatchObject({ roomId: 'c-subscribe', link: { kind: 'subscribe', publisher: 'alice' }, requestId: 'sub-1' });
    expect(offer.sdp).toMatch(/a=sendonly/);
    const answer = await bob.answerOffer('alice', offer.sdp);
    await h.gateway.answer(session, 'bob', subscribeTo('alice'), answer);
    await eventually('video from alice at bob', async () => {
      for (const c of await bob.takeCandidates('alice')) await h.gateway.addIceCandidate(session, 'bob', subscribeTo('alice'), c);
      return (await bob.framesDecoded('alice')) > 0;
    });

    // Alice publishes; bob's subscriber handle is no participant of its own.
    const participants = await listParticipants(janus.url, Number(session.ref));
    expect(participants).toEqual([expect.objectContaining({ display: 'alice', publisher: true })]);
    // No SDP reaches the info-and-above logs.
    expect(h.logger.visibleText()).not.toMatch(/v=0|a=fingerprint|a=ice-pwd/);
    await h.gateway.closeSession(session);
    await alice.close();
    await bob.close();
  });

  it('refuses to subscribe to someone whose media is not up yet, with a typed error', async () => {
    const session = await open('c-early');
    await h.gateway.addParticipant(session, 'alice');
    await h.gateway.addParticipant(session, 'bob');
    const before = await rejection(h.gateway.requestOffer(session, 'bob', subscribeTo('alice')));
    expect(before.code).toBe('mediaBackendError');
    expect(before.details).toMatchObject({ reason: 'notPublished', userId: 'alice' });
    // Offered but with no PeerConnection up (this SDP never connects): Janus still has no feed to give.
    await publish(session, 'alice');
    const offered = await rejection(h.gateway.requestOffer(session, 'bob', subscribeTo('alice')));
    expect(offered.details).toMatchObject({ reason: 'notPublished', userId: 'alice' });
    await h.gateway.closeSession(session);
  });

  it('rejects a client-offered subscription, saying to use subscribe', async () => {
    const session = await open('c-client-offer');
    await publish(session, 'alice');
    await h.gateway.addParticipant(session, 'bob');
    const error = await rejection(h.gateway.offer(session, 'bob', subscribeTo('alice'), publishOffer()));
    expect(error.code).toBe('unsupportedFlow');
    expect(error.message).toMatch(/subscribe/);
    await h.gateway.closeSession(session);
  });

  it('holds client candidates that arrive before their subscription exists', async () => {
    const session = await open('c-early-candidates');
    const alice = await livePublisher(session, 'alice');
    await h.gateway.addParticipant(session, 'bob');
    await h.gateway.addIceCandidate(session, 'bob', subscribeTo('alice'), loopbackCandidate('0'));
    await h.gateway.requestOffer(session, 'bob', subscribeTo('alice'));
    await h.nextEvent(signal('offer', 'bob'));
    await h.gateway.closeSession(session);
    await alice.close();
  });

  it('frees a participant\'s publisher and subscriptions on removal', async () => {
    const session = await open('c-remove');
    const janusRoom = Number(session.ref);
    const alice = await livePublisher(session, 'alice');
    await publish(session, 'bob');
    await h.gateway.requestOffer(session, 'bob', subscribeTo('alice'));
    await h.nextEvent(signal('offer', 'bob'));
    expect((await listParticipants(janus.url, janusRoom)).map((p) => p.display).sort()).toEqual(['alice', 'bob']);

    // Janus acknowledges a detach before its plugin thread has removed the participant: poll briefly.
    const displays = async () => (await listParticipants(janus.url, janusRoom)).map((p) => p.display ?? '').sort().join(',');
    await h.gateway.removeParticipant(session, 'alice');
    await eventually('alice to leave the VideoRoom', async () => (await displays()) === 'bob', 5_000);
    // Bob's subscription to alice went with her.
    const error = await rejection(h.gateway.answer(session, 'bob', subscribeTo('alice'), 'v=0\r\n'));
    expect(error.code).toBe('invalidMessage');

    await h.gateway.removeParticipant(session, 'bob');
    await eventually('bob to leave the VideoRoom', async () => (await displays()) === '', 5_000);
    await h.gateway.closeSession(session);
    expect((await janus.listRooms()).map((r) => r.room)).not.toContain(janusRoom);
    await alice.close();
  });

  /**
   * Janus's own count of handles (Admin API) settles at `rooms'` plus the gateway's one handle for managing
   * rooms (detaches finish in the background).
   */
  const handlesSettleAt = async (rooms: number, what: string): Promise<void> => {
    const expected = rooms + 1;
    let last = -1;
    await eventually(`${what}: ${expected} handles in Janus (last count ${String(last)})`, async () => (last = await countJanusHandles(janus.adminUrl!)) === expected, 10_000).catch(() => {
      throw new Error(`${what}: Janus holds ${last} handles, expected ${expected} (the manager handle and ${rooms})`);
    });
  };

  it('attaches one spare subscriber handle per participant, subscribes on it, and leaves no handle behind when participants leave', async () => {
    await handlesSettleAt(0, 'before');
    const session = await open('c-spares');
    const alice = await livePublisher(session, 'alice');
    // Alice: her publisher handle and a spare for her first subscription.
    await handlesSettleAt(2, 'alice joined');
    await h.gateway.addParticipant(session, 'bob');
    await handlesSettleAt(4, 'bob joined');
    const bob = await BrowserPeer.open(await browser.browser.newPage());
    await h.gateway.requestOffer(session, 'bob', subscribeTo('alice'), 'sub-1');
    const offer = await h.nextEvent(signal('offer', 'bob'));
    await h.gateway.answer(session, 'bob', subscribeTo('alice'), await bob.answerOffer('alice', offer.sdp));
    await eventually('video from alice at bob, on the spare handle', async () => {
      for (const c of await bob.takeCandidates('alice')) await h.gateway.addIceCandidate(session, 'bob', subscribeTo('alice'), c);
      return (await bob.framesDecoded('alice')) > 0;
    });
    // The spare became bob's subscription, and a new spare was attached for his next one: one more handle.
    await handlesSettleAt(5, 'bob subscribed');
    // Alice leaves: her publisher, her spare and bob's subscription to her go.
    await h.gateway.removeParticipant(session, 'alice');
    await handlesSettleAt(2, 'alice left');
    await h.gateway.removeParticipant(session, 'bob');
    await handlesSettleAt(0, 'bob left');
    await h.gateway.closeSession(session);
    await alice.close();
    await bob.close();
  });

  it('detaches a spare whose attach was still under way when its participant left or the room closed', async () => {
    await handlesSettleAt(0, 'before');
    const session = await open('c-spare-race');
    // Not awaited in between: the spare's attach (started by addParticipant) is in flight when each goes.
    await h.gateway.addParticipant(session, 'carol');
    await h.gateway.removeParticipant(session, 'carol');
    await h.gateway.addParticipant(session, 'dave');
    await h.gateway.addParticipant(session, 'erin');
    await h.gateway.closeSession(session);
    await handlesSettleAt(0, 'after');
  });

  it('turns Janus refusals into mediaBackendError with Janus\'s code', async () => {
    const session = await open('c-refusal');
    await h.gateway.addParticipant(session, 'alice');
    const error = await rejection(h.gateway.offer(session, 'alice', PUBLISH, 'v=0\r\nthis is not sdp\r\n'));
    expect(error.code).toBe('mediaBackendError');
    expect(typeof error.details?.janusCode).toBe('number');
    await h.gateway.closeSession(session);
  });
});
