import { SignalingClient, type WireMessage } from '../../support/signaling-client';
import { startTestServer } from '../../support/start-server';
import { startJanus, type JanusFixture } from '../../support/janus-fixture';
import { launchDemoBrowser, type DemoBrowser } from '../../support/demo-browser';
import { BrowserPeer, eventually } from '../../support/janus/browser-peer';
import { JanusFaultProxy, pluginRequest, type JanusMessage } from '../../support/janus/janus-fault-proxy';
import { countJanusHandles, listParticipants, videoRoomRequest, type VideoRoomParticipant } from '../../support/janus/janus-probe';
import { publishOffer } from '../../support/janus/sample-sdp';
import type { RunningNode } from '../../../src/start-node';

jest.setTimeout(90_000);

/** The adapter's deadline for every Janus request; the held replies come well after it. */
const MEDIA_TIMEOUT_MS = 3_000;
const LATE_MS = MEDIA_TIMEOUT_MS + 1_500;

const isPublisherJoin = (m: JanusMessage): boolean => pluginRequest(m) === 'joinandconfigure';
const isSubscriberJoin = (m: JanusMessage): boolean => pluginRequest(m) === 'join' && m.body?.ptype === 'subscriber';
const isStart = (m: JanusMessage): boolean => pluginRequest(m) === 'start';

/**
 * The signaling node talks to a real Janus through a proxy that delays Janus's reply to one chosen
 * request past MEDIA_TIMEOUT_MS: Janus carries the request out, the adapter gives up on it, and the
 * answer arrives afterwards. The client then retries as docs/protocol.md allows, without rejoining.
 */
describe('Janus backend: a request Janus carried out but answered after the deadline', () => {
  let janus: JanusFixture;
  let proxy: JanusFaultProxy;
  let node: RunningNode;
  let browser: DemoBrowser;
  const clients: SignalingClient[] = [];
  const peers: BrowserPeer[] = [];

  beforeAll(async () => {
    janus = await startJanus({ adminApi: true });
    proxy = await JanusFaultProxy.start(janus.url);
    node = await startTestServer({ MEDIA_BACKEND: 'janus', JANUS_URL: proxy.url, ROOM_CAPACITY: '5', MEDIA_TIMEOUT_MS: String(MEDIA_TIMEOUT_MS) });
    browser = await launchDemoBrowser();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(peers.splice(0).map((p) => p.close()));
  });
  afterAll(async () => {
    await browser?.close();
    await node?.stop();
    await proxy?.close();
    await janus?.stop();
  });

  const joined = async (userId: string, roomId: string): Promise<SignalingClient> => {
    const c = await SignalingClient.connect(node.wsUrl);
    clients.push(c);
    await c.join({ userId, roomId });
    return c;
  };
  const peer = async (): Promise<BrowserPeer> => {
    const p = await BrowserPeer.open(await browser.browser.newPage());
    peers.push(p);
    return p;
  };

  /** The server's reply to `requestId`, whatever it is (an answer, an ack or an error). */
  const replyTo = async (c: SignalingClient, requestId: string, timeoutMs = 10_000): Promise<WireMessage> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = c.received.findIndex((m) => m.requestId === requestId);
      if (index >= 0) return c.received.splice(index, 1)[0]!;
      if (Date.now() > deadline) throw new Error(`no reply to ${requestId} within ${timeoutMs} ms; received ${JSON.stringify(c.received).slice(0, 1500)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  /** The VideoRoom room Janus hosts the signaling room in (its description is the room id). */
  const janusRoomOf = async (roomId: string): Promise<number> => {
    const data = await videoRoomRequest(janus.url, { request: 'list' });
    const room = (data.list as { room: number; description?: string }[]).find((r) => r.description === roomId);
    if (!room) throw new Error(`no VideoRoom for ${roomId}`);
    return room.room;
  };
  const participants = async (roomId: string): Promise<VideoRoomParticipant[]> => listParticipants(janus.url, await janusRoomOf(roomId));

  /** Janus's own handle count (Admin API), once it has stopped changing (detaches finish in the background). */
  const settledHandles = async (): Promise<number> => {
    let last = await countJanusHandles(janus.adminUrl!);
    for (let stable = 0; stable < 3; ) {
      await new Promise((r) => setTimeout(r, 300));
      const now = await countJanusHandles(janus.adminUrl!);
      stable = now === last ? stable + 1 : 0;
      last = now;
    }
    return last;
  };

  /** A real publisher (Chromium's fake camera): Janus admits subscribers only to a feed whose media is up. */
  const livePublisher = async (c: SignalingClient, userId: string, watcher: SignalingClient): Promise<BrowserPeer> => {
    const p = await peer();
    c.send({ id: 'publish', sdpOffer: await p.publishOffer('publish'), requestId: `${userId}-live` });
    const answer = await replyTo(c, `${userId}-live`);
    expect(answer).toMatchObject({ id: 'receiveVideoAnswer', userId });
    await p.setAnswer('publish', String(answer.sdpAnswer));
    await eventually(`${userId}'s media up at Janus`, async () => {
      for (const candidate of await p.takeCandidates('publish')) c.send({ id: 'onIceCandidate', userId, candidate });
      return watcher.received.some((m) => m.id === 'participantPublished' && m.userId === userId);
    });
    return p;
  };

  /** Subscribes `c` to `publisher` and answers on link `name` of `p`; resolves once video is decoded. */
  const subscribeAndWatch = async (c: SignalingClient, p: BrowserPeer, publisher: string, name: string, requestId: string): Promise<void> => {
    c.send({ id: 'subscribe', userId: publisher, requestId });
    const offer = await replyTo(c, requestId);
    expect(offer).toMatchObject({ id: 'subscribeOffer', userId: publisher });
    c.send({ id: 'subscribeAnswer', userId: publisher, sdpAnswer: await p.answerOffer(name, String(offer.sdpOffer)), requestId: `${requestId}-answer` });
    expect(await replyTo(c, `${requestId}-answer`)).toEqual({ id: 'ack', requestId: `${requestId}-answer` });
    await eventually(`video from ${publisher} on ${name}`, async () => {
      for (const candidate of await p.takeCandidates(name)) c.send({ id: 'onIceCandidate', userId: publisher, candidate });
      return (await p.framesDecoded(name)) > 0;
    });
  };

  it('a publisher join Janus answered late does not block the retry: the next publish is answered, and one publisher is left', async () => {
    const alice = await joined('alice', 'c-late-join');
    const held = proxy.holdReply({ match: isPublisherJoin, delayMs: LATE_MS });
    alice.send({ id: 'publish', sdpOffer: publishOffer(), requestId: 'pub-1' });
    await held.requested;
    // Janus carried the join out while its answer is held back: alice is in the VideoRoom already.
    await eventually('alice in the VideoRoom', async () => (await participants('c-late-join')).some((p) => p.display === 'alice'), MEDIA_TIMEOUT_MS);
    expect(await replyTo(alice, 'pub-1')).toMatchObject({ id: 'error', code: 'mediaServerUnavailable' });
    await held.delivered;

    alice.send({ id: 'publish', sdpOffer: publishOffer(), requestId: 'pub-2' });
    expect(await replyTo(alice, 'pub-2')).toMatchObject({ id: 'receiveVideoAnswer', userId: 'alice', sdpAnswer: expect.stringMatching(/^v=0/) });
    // The join that timed out left no second alice in the VideoRoom.
    await eventually('one alice in the VideoRoom', async () => (await participants('c-late-join')).filter((p) => p.display === 'alice').length === 1, 5_000);
    await new Promise((r) => setTimeout(r, 500));
    expect((await participants('c-late-join')).map((p) => p.display)).toEqual(['alice']);
  });

  it('a publisher join whose reply never comes does not block the retry either', async () => {
    const alice = await joined('alice', 'c-lost-join');
    const held = proxy.holdReply({ match: isPublisherJoin });
    alice.send({ id: 'publish', sdpOffer: publishOffer(), requestId: 'pub-1' });
    await held.requested;
    expect(await replyTo(alice, 'pub-1')).toMatchObject({ id: 'error', code: 'mediaServerUnavailable' });

    alice.send({ id: 'publish', sdpOffer: publishOffer(), requestId: 'pub-2' });
    expect(await replyTo(alice, 'pub-2')).toMatchObject({ id: 'receiveVideoAnswer', userId: 'alice' });
    await eventually('one alice in the VideoRoom', async () => (await participants('c-lost-join')).filter((p) => p.display === 'alice').length === 1, 5_000);
  });

  it('a republish (configure) Janus answered late does not block the retry: the next publish is answered on the same publisher', async () => {
    const alice = await joined('alice', 'c-late-configure');
    alice.send({ id: 'publish', sdpOffer: publishOffer(), requestId: 'pub-1' });
    expect(await replyTo(alice, 'pub-1')).toMatchObject({ id: 'receiveVideoAnswer' });
    const [first] = await participants('c-late-configure');

    const held = proxy.holdReply({ match: (m) => pluginRequest(m) === 'configure', delayMs: LATE_MS });
    alice.send({ id: 'publish', sdpOffer: publishOffer(), requestId: 'pub-2' });
    await held.requested;
    expect(await replyTo(alice, 'pub-2')).toMatchObject({ id: 'error', code: 'mediaServerUnavailable' });
    await held.delivered;

    alice.send({ id: 'publish', sdpOffer: publishOffer(), requestId: 'pub-3' });
    expect(await replyTo(alice, 'pub-3')).toMatchObject({ id: 'receiveVideoAnswer', userId: 'alice', sdpAnswer: expect.stringMatching(/^v=0/) });
    // Still the one publisher (its feed, which subscribers hold, is kept).
    expect(await participants('c-late-configure')).toEqual([expect.objectContaining({ id: first!.id, display: 'alice' })]);
  });

  it('a subscriber join Janus answered late does not block the retry: the next subscribe is offered, video flows, no handle is left', async () => {
    const alice = await joined('alice', 'c-late-sub');
    const bob = await joined('bob', 'c-late-sub');
    await livePublisher(alice, 'alice', bob);
    const bobPeer = await peer();
    const before = await settledHandles();

    const held = proxy.holdReply({ match: isSubscriberJoin, delayMs: LATE_MS });
    bob.send({ id: 'subscribe', userId: 'alice', requestId: 'sub-1' });
    await held.requested;
    expect(await replyTo(bob, 'sub-1')).toMatchObject({ id: 'error', code: 'mediaServerUnavailable' });
    await held.delivered;

    await subscribeAndWatch(bob, bobPeer, 'alice', 'alice', 'sub-2');
    // One subscription (on the spare, replaced by a new spare): one handle more than before, not two.
    expect(await settledHandles()).toBe(before + 1);
  });

  it('a subscription start Janus answered late is replaced by the next subscribe: video flows, no handle is left', async () => {
    const alice = await joined('alice', 'c-late-start');
    const bob = await joined('bob', 'c-late-start');
    await livePublisher(alice, 'alice', bob);
    const bobPeer = await peer();
    const before = await settledHandles();

    bob.send({ id: 'subscribe', userId: 'alice', requestId: 'sub-1' });
    const offer = await replyTo(bob, 'sub-1');
    expect(offer).toMatchObject({ id: 'subscribeOffer', userId: 'alice' });
    const held = proxy.holdReply({ match: isStart, delayMs: LATE_MS });
    bob.send({ id: 'subscribeAnswer', userId: 'alice', sdpAnswer: await bobPeer.answerOffer('first', String(offer.sdpOffer)), requestId: 'ans-1' });
    await held.requested;
    expect(await replyTo(bob, 'ans-1')).toMatchObject({ id: 'error', code: 'mediaServerUnavailable' });
    await held.delivered;

    // docs/protocol.md: a subscription never answered is replaced by a new one.
    await subscribeAndWatch(bob, bobPeer, 'alice', 'second', 'sub-2');
    expect(await settledHandles()).toBe(before + 1);
  });
});
