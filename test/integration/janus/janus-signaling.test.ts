import { SignalingClient } from '../../support/signaling-client';
import { startTestServer } from '../../support/start-server';
import { startJanus, type JanusFixture } from '../../support/janus-fixture';
import { publishOffer } from '../../support/janus/sample-sdp';
import type { RunningNode } from '../../../src/start-node';

jest.setTimeout(60_000);

/** How soon after Janus dies every client must hold its typed error (detection is the socket closing). */
const LOSS_NOTICE_BOUND_MS = 3_000;

const readiness = async (node: RunningNode): Promise<number> => (await fetch(`${node.httpUrl}/readyz`)).status;

describe('signaling node with MEDIA_BACKEND=janus against a real Janus', () => {
  let janus: JanusFixture;
  let node: RunningNode;
  const clients: SignalingClient[] = [];
  const connect = async (): Promise<SignalingClient> => {
    const c = await SignalingClient.connect(node.wsUrl);
    clients.push(c);
    return c;
  };
  /** Joins and publishes (a hand-made offer: Janus answers it, no media flows). */
  const joinAndPublish = async (userId: string, roomId: string): Promise<SignalingClient> => {
    const c = await connect();
    await c.join({ userId, roomId });
    c.send({ id: 'receiveVideoFrom', userId, sdpOffer: publishOffer() });
    const answer = await c.next('receiveVideoAnswer', () => true, 10_000);
    expect(answer).toMatchObject({ userId, sdpAnswer: expect.stringMatching(/^v=0/) });
    return c;
  };

  beforeAll(async () => {
    janus = await startJanus();
    node = await startTestServer({
      MEDIA_BACKEND: 'janus',
      JANUS_URL: janus.url,
      ROOM_CAPACITY: '5',
      MEDIA_TIMEOUT_MS: '5000',
      JANUS_RECONNECT_MIN_MS: '100',
      JANUS_RECONNECT_MAX_MS: '1000',
      JANUS_CONNECT_WAIT_MS: '1500',
    });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await node?.stop();
    await janus?.stop();
  });

  it('tells joiners the Janus flows, sizes the VideoRoom to the room limit, and destroys it when the room empties', async () => {
    const alice = await connect();
    const joined = await alice.join({ userId: 'alice', roomId: 'c-janus-life' });
    expect(joined.media).toEqual({ backend: 'janus', publish: true, clientOfferedSubscribe: false, serverOfferedSubscribe: true, peerToPeer: false });
    const rooms = await janus.listRooms();
    expect(rooms).toEqual([expect.objectContaining({ max_publishers: 5, num_participants: 0 })]);

    const bob = await joinAndPublish('bob', 'c-janus-life');
    expect((await janus.listRooms())[0]).toMatchObject({ room: rooms[0]!.room, num_participants: 1 });

    alice.send({ id: 'leaveRoom' });
    await bob.next('participantLeft');
    expect(await janus.listRooms()).toHaveLength(1);
    bob.send({ id: 'leaveRoom', requestId: 'bye' });
    await bob.next('ack');
    expect(await janus.listRooms()).toEqual([]);
  });

  it('refuses a client-offered subscription with unsupportedFlow, naming subscribe', async () => {
    const alice = await joinAndPublish('alice', 'c-janus-flow');
    const bob = await connect();
    await bob.join({ userId: 'bob', roomId: 'c-janus-flow' });
    bob.send({ id: 'receiveVideoFrom', userId: 'alice', sdpOffer: publishOffer(), requestId: 'seed-style' });
    const error = await bob.next('error');
    expect(error).toMatchObject({ code: 'unsupportedFlow', requestId: 'seed-style' });
    expect(String(error.message)).toMatch(/send subscribe/);
    // The room goes on working for the flow that is supported.
    bob.send({ id: 'subscribe', userId: 'alice', requestId: 'neutral' });
    const refusal = await bob.next('error');
    // Alice's hand-made offer never connects, so Janus has no feed yet: a typed, retryable refusal.
    expect(refusal).toMatchObject({ code: 'mediaBackendError', requestId: 'neutral', details: { reason: 'notPublished' } });
    await alice.close();
  });

  it('tells every client of a lost Janus with mediaServerUnavailable, and works again once Janus is back', async () => {
    const alice = await joinAndPublish('alice', 'c-janus-loss');
    const bob = await joinAndPublish('bob', 'c-janus-loss');
    const carol = await joinAndPublish('carol', 'c-janus-other');
    expect(await readiness(node)).toBe(200);

    const killedAt = Date.now();
    await janus.kill();
    const errors = await Promise.all([alice, bob, carol].map((c) => c.next('error', (m) => m.code === 'mediaServerUnavailable', LOSS_NOTICE_BOUND_MS)));
    expect(Date.now() - killedAt).toBeLessThan(LOSS_NOTICE_BOUND_MS);
    expect(errors.map((e) => (e.details as { roomId: string }).roomId)).toEqual(['c-janus-loss', 'c-janus-loss', 'c-janus-other']);
    expect(await readiness(node)).toBe(503);

    // The clients were taken out of their rooms: what they send now is refused as not in a room.
    alice.send({ id: 'subscribe', userId: 'bob', requestId: 'after-loss' });
    expect(await alice.next('error', (m) => m.requestId === 'after-loss')).toMatchObject({ code: 'notInRoom' });

    // While Janus is down a join is refused with the typed error, not left hanging.
    const early = await connect();
    early.send({ id: 'joinRoom', userId: 'dave', roomId: 'c-janus-loss', requestId: 'too-early' });
    expect(await early.next('error', () => true, 10_000)).toMatchObject({ code: 'mediaServerUnavailable', requestId: 'too-early' });

    await janus.restart();
    const fresh = await joinAndPublish('erin', 'c-janus-loss');
    expect(await readiness(node)).toBe(200);
    expect(await janus.listRooms()).toEqual([expect.objectContaining({ max_publishers: 5, num_participants: 1 })]);
    fresh.send({ id: 'leaveRoom', requestId: 'bye' });
    await fresh.next('ack');
    expect(await janus.listRooms()).toEqual([]);
  });
});
