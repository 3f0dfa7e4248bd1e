import { SignalingClient, type WireMessage } from '../../support/signaling-client';
import { startTestServer } from '../../support/start-server';
import type { RunningNode } from '../../../src/start-node';

jest.setTimeout(30_000);

/**
 * docs/protocol.md promises one reply per request that carries a requestId: its answer, an `ack`, or one
 * `error` — and for a full room the seed's `limitJoinAnswer` followed by that one `error roomFull`. Every
 * request kind is sent here with a requestId of its own; a fence request after it (answered in order,
 * since a connection's messages are handled one at a time) says when everything it caused has arrived.
 */
describe('one reply per request (mesh, in-memory)', () => {
  let node: RunningNode;
  const clients: SignalingClient[] = [];
  let fences = 0;
  const connect = async (): Promise<SignalingClient> => {
    const c = await SignalingClient.connect(node.wsUrl);
    clients.push(c);
    return c;
  };

  /** Sends `message` with `requestId` and returns every frame that carried that requestId back. */
  const repliesTo = async (client: SignalingClient, requestId: string, message: Record<string, unknown>): Promise<WireMessage[]> => {
    client.send({ ...message, requestId });
    const fence = `fence-${(fences += 1)}`;
    // Not a message the server knows: answered with one error, after everything the request caused.
    client.send({ id: 'noSuchMessage', requestId: fence });
    await client.next('error', (m) => m.requestId === fence);
    return client.received.filter((m) => m.requestId === requestId);
  };
  const ids = (frames: WireMessage[]): string[] => frames.map((m) => (m.id === 'error' ? `error ${String(m.code)}` : m.id));

  beforeAll(async () => {
    node = await startTestServer({ ROOM_CAPACITY: '2' });
  });
  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await node.stop();
  });

  it('answers every request kind exactly once, roomFull with limitJoinAnswer and its one error', async () => {
    const alice = await connect();
    const bob = await connect();
    const carol = await connect();
    const join = (userId: string) => ({ id: 'joinRoom', userId, roomId: 'r-1', communityId: '1', video: true, audio: true });
    const candidate = { candidate: 'candidate:1 1 udp 2122260223 10.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };
    const sdp = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';

    expect(ids(await repliesTo(alice, 'join-a', join('alice')))).toEqual(['existingParticipants']);
    expect(ids(await repliesTo(bob, 'join-b', join('bob')))).toEqual(['existingParticipants']);
    expect(ids(await repliesTo(carol, 'join-full', join('carol')))).toEqual(['limitJoinAnswer', 'error roomFull']);
    expect(ids(await repliesTo(alice, 'join-again', join('alice')))).toEqual(['error alreadyInRoom']);
    expect(ids(await repliesTo(carol, 'resume', { id: 'resumeSession', resumeToken: 'not-a-token' }))).toHaveLength(1);

    const perKind: [string, Record<string, unknown>][] = [
      // Her own link: in a mesh the offer for bob's would go to bob, and his answer is the reply.
      ['receiveVideoFrom', { id: 'receiveVideoFrom', userId: 'alice', sdpOffer: sdp }],
      ['publish', { id: 'publish', sdpOffer: sdp }],
      // (`subscribe` is left out: in a mesh its answer, `subscribeOffer`, comes from the publishing peer.)
      ['subscribeAnswer', { id: 'subscribeAnswer', userId: 'bob', sdpAnswer: sdp }],
      ['onIceCandidate', { id: 'onIceCandidate', userId: 'bob', candidate }],
      ['peerOffer', { id: 'peerOffer', userId: 'bob', sdpOffer: sdp }],
      ['peerAnswer', { id: 'peerAnswer', userId: 'bob', sdpAnswer: sdp }],
      ['peerIceCandidate', { id: 'peerIceCandidate', userId: 'bob', candidate }],
      ['videoStateFrom', { id: 'videoStateFrom', userId: 'alice', video: false }],
      ['audioStateFrom', { id: 'audioStateFrom', userId: 'alice', audio: false }],
      ['ping', { id: 'ping' }],
    ];
    for (const [kind, message] of perKind) {
      const replies = await repliesTo(alice, kind, message);
      expect({ kind, replies: replies.length }).toEqual({ kind, replies: 1 });
    }

    expect(ids(await repliesTo(alice, 'leave', { id: 'leaveRoom' }))).toEqual(['ack']);
    // The heartbeat is answered out of a room too (before a join, after a leave).
    expect(ids(await repliesTo(alice, 'ping-out', { id: 'ping' }))).toEqual(['ack']);
    expect(ids(await repliesTo(alice, 'leave-again', { id: 'leaveRoom' }))).toEqual(['error notInRoom']);
    // The seat alice left is carol's now: a refused join left nothing behind that would keep her out.
    expect(ids(await repliesTo(carol, 'join-after', join('carol')))).toEqual(['existingParticipants']);
  });

  it('echoes an integer requestId as that integer (zero included), on every kind of reply', async () => {
    const dave = await connect();
    const eve = await connect();
    const join = (userId: string, requestId: number) => ({ id: 'joinRoom', userId, roomId: 'r-numeric', communityId: '1', video: true, audio: true, requestId });
    eve.send(join('eve', 7));
    expect((await eve.next('existingParticipants')).requestId).toBe(7);
    dave.send(join('dave', 0));
    expect((await dave.next('existingParticipants')).requestId).toBe(0);

    dave.send({ id: 'audioStateFrom', userId: 'dave', audio: false, requestId: 5 });
    expect((await dave.next('audioStateAnswer')).requestId).toBe(5);
    // A trickled candidate goes through the hand-written reader, not zod: the same rule there.
    dave.send({ id: 'peerIceCandidate', userId: 'eve', candidate: { candidate: 'candidate:1 1 udp 1 10.0.0.1 5 typ host', sdpMid: '0', sdpMLineIndex: 0 }, requestId: 6 });
    expect((await dave.next('ack')).requestId).toBe(6);
    // Relayed to the peer that answers it, with its type.
    dave.send({ id: 'receiveVideoFrom', userId: 'eve', sdpOffer: 'v=0\r\n', requestId: 0 });
    expect((await eve.next('peerOffer')).requestId).toBe(0);
    dave.send({ id: 'noSuchMessage', requestId: 3 });
    expect((await dave.next('error')).requestId).toBe(3);
  });
});
