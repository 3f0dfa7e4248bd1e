import { SignalingClient } from '../../support/signaling-client';
import { startTestServer } from '../../support/start-server';
import type { RunningNode } from '../../../src/start-node';

jest.setTimeout(20_000);

describe('rooms over plain WebSocket (mesh, in-memory)', () => {
  let node: RunningNode;
  const clients: SignalingClient[] = [];
  const connect = async (): Promise<SignalingClient> => {
    const c = await SignalingClient.connect(node.wsUrl);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    node = await startTestServer({ ROOM_CAPACITY: '3' });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await node.stop();
  });

  it('tells the joiner who is there and everyone else who arrived, echoing requestId', async () => {
    const alice = await connect();
    const first = await alice.join({ userId: 'alice', roomId: 'c-10', video: true, audio: false, requestId: 'j1' });
    expect(first).toMatchObject({ id: 'existingParticipants', members: [], roomId: 'c-10', userId: 'alice', requestId: 'j1' });
    expect(first.media).toEqual({ backend: 'mesh', publish: false, clientOfferedSubscribe: true, serverOfferedSubscribe: true, peerToPeer: true });

    const bob = await connect();
    const second = await bob.join({ userId: 'bob', roomId: 'c-10' });
    expect(second.members).toEqual([{ userId: 'alice', video: true, audio: false }]);
    expect(second.requestId).toBeUndefined();
    expect(await alice.next('newParticipantArrived')).toEqual({ id: 'newParticipantArrived', member: { userId: 'bob', video: true, audio: true } });
  });

  it('broadcasts audio and video state to the whole room, and only the owner may change it', async () => {
    const alice = await connect();
    const bob = await connect();
    await alice.join({ userId: 'alice', roomId: 'c-11' });
    await bob.join({ userId: 'bob', roomId: 'c-11' });

    alice.send({ id: 'videoStateFrom', userId: 'alice', video: false, requestId: 'v1' });
    expect(await alice.next('videoStateAnswer')).toEqual({ id: 'videoStateAnswer', userId: 'alice', video: false, requestId: 'v1' });
    expect(await bob.next('videoStateAnswer')).toEqual({ id: 'videoStateAnswer', userId: 'alice', video: false });
    bob.send({ id: 'audioStateFrom', userId: 'bob', audio: false });
    expect(await alice.next('audioStateAnswer')).toEqual({ id: 'audioStateAnswer', userId: 'bob', audio: false });

    alice.send({ id: 'audioStateFrom', userId: 'bob', audio: true, requestId: 'evil' });
    expect(await alice.next('error')).toMatchObject({ code: 'forbidden', requestId: 'evil' });
    await bob.expectNone('audioStateAnswer');

    // A later joiner sees the current state.
    const carol = await connect();
    const joined = await carol.join({ userId: 'carol', roomId: 'c-11' });
    expect(joined.members).toEqual([
      { userId: 'alice', video: false, audio: true },
      { userId: 'bob', video: true, audio: false },
    ]);
  });

  it('leaveRoom tells the others, acknowledges a requestId, and frees the seat', async () => {
    const alice = await connect();
    const bob = await connect();
    await alice.join({ userId: 'alice', roomId: 'c-12' });
    await bob.join({ userId: 'bob', roomId: 'c-12' });
    bob.send({ id: 'leaveRoom', requestId: 'l1' });
    expect(await bob.next('ack')).toEqual({ id: 'ack', requestId: 'l1' });
    expect(await alice.next('participantLeft')).toEqual({ id: 'participantLeft', userId: 'bob' });
    bob.send({ id: 'leaveRoom' });
    expect(await bob.next('error')).toMatchObject({ code: 'notInRoom' });
    // The same connection can join again after leaving.
    const again = await bob.join({ userId: 'bob', roomId: 'c-12' });
    expect(again.members).toEqual([{ userId: 'alice', video: true, audio: true }]);
  });

  it('a dropped socket counts as leaving', async () => {
    const alice = await connect();
    const bob = await connect();
    await alice.join({ userId: 'alice', roomId: 'c-13' });
    await bob.join({ userId: 'bob', roomId: 'c-13' });
    bob.socket.terminate();
    expect(await alice.next('participantLeft')).toEqual({ id: 'participantLeft', userId: 'bob' });
  });

  it('lets exactly ROOM_CAPACITY in and answers the next with limitJoinAnswer', async () => {
    const members = await Promise.all([connect(), connect(), connect()]);
    for (const [i, c] of members.entries()) await c.join({ userId: `u${i}`, roomId: 'c-14' });
    const late = await connect();
    late.send({ id: 'joinRoom', userId: 'late', roomId: 'c-14', communityId: '1', video: true, audio: true, requestId: 'full' });
    expect(await late.next('limitJoinAnswer')).toEqual({ id: 'limitJoinAnswer', roomId: 'c-14', requestId: 'full' });
    expect(await late.next('error')).toMatchObject({ code: 'roomFull', requestId: 'full' });
    for (const c of members) await c.expectNone('newParticipantArrived', 50);

    members[0]!.send({ id: 'leaveRoom' });
    const joined = await late.join({ userId: 'late', roomId: 'c-14' });
    expect((joined.members as unknown[]).length).toBe(2);
  });

  it('a second join of the same user takes over: the old connection is told and closed', async () => {
    const alice = await connect();
    const bob = await connect();
    await alice.join({ userId: 'alice', roomId: 'c-15' });
    await bob.join({ userId: 'bob', roomId: 'c-15' });
    const bob2 = await connect();
    const joined = await bob2.join({ userId: 'bob', roomId: 'c-15' });
    expect(joined.members).toEqual([{ userId: 'alice', video: true, audio: true }]);
    expect(await bob.next('error')).toMatchObject({ code: 'sessionReplaced' });
    expect(await bob.waitClosed()).toBe(4001);
    expect(await alice.next('participantLeft')).toEqual({ id: 'participantLeft', userId: 'bob' });
    expect(await alice.next('newParticipantArrived')).toMatchObject({ member: { userId: 'bob' } });
    // The room still counts bob once.
    const carol = await connect();
    expect((await carol.join({ userId: 'carol', roomId: 'c-15' })).members).toHaveLength(2);
  });

  it('refuses a second join on one connection and a join into a room of another community', async () => {
    const alice = await connect();
    await alice.join({ userId: 'alice', roomId: 'c-16', communityId: '5' });
    alice.send({ id: 'joinRoom', userId: 'alice', roomId: 'c-17', communityId: '5', video: true, audio: true });
    expect(await alice.next('error')).toMatchObject({ code: 'alreadyInRoom' });
    const bob = await connect();
    bob.send({ id: 'joinRoom', userId: 'bob', roomId: 'c-16', communityId: '6', video: true, audio: true });
    expect(await bob.next('error')).toMatchObject({ code: 'invalidMessage' });
    await alice.expectNone('newParticipantArrived', 50);
  });

  it('many concurrent first joins of one room make one room with everyone in it', async () => {
    const many = await Promise.all([connect(), connect(), connect()]);
    many.forEach((c, i) => c.send({ id: 'joinRoom', userId: `p${i}`, roomId: 'c-18', communityId: '1', video: true, audio: true }));
    const replies = await Promise.all(many.map((c) => c.next('existingParticipants')));
    const sizes = replies.map((r) => (r.members as unknown[]).length).sort();
    expect(sizes).toEqual([0, 1, 2]);
  });
});
