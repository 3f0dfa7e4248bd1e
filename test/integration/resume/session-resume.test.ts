import { startNodeProcess, type NodeProcess } from '../../support/node-process';
import { TestPresenceServer } from '../../support/presence-server';
import { eventually } from '../../support/redis/redis-node-harness';
import { SignalingClient, type WireMessage } from '../../support/signaling-client';

jest.setTimeout(60_000);

const GRACE_MS = 3_000;

/** What a member's client is told within `ms` of now, by id. */
const within = (client: SignalingClient, id: string, ms: number): Promise<WireMessage> => client.next(id, () => true, ms);

/**
 * Session resume against a signaling node running as its own process (memory store, presence on): the
 * socket of a resumable member is destroyed (no close handshake, as when a phone loses its network), and
 * the others, the resumer and the presence server are watched.
 */
describe('session resume on a node process', () => {
  let presence: TestPresenceServer;
  let node: NodeProcess;
  const clients: SignalingClient[] = [];

  const connect = async (): Promise<SignalingClient> => {
    const client = await SignalingClient.connect(node.wsUrl);
    clients.push(client);
    return client;
  };

  const joined = async (userId: string, roomId: string, resumable: boolean): Promise<{ client: SignalingClient; reply: WireMessage }> => {
    const client = await connect();
    client.send({ id: 'joinRoom', userId, roomId, communityId: '1', ...(resumable ? { resumable: true } : {}) });
    return { client, reply: await client.next('existingParticipants') };
  };

  const tokenOf = (reply: WireMessage): string => (reply.session as { resumeToken: string }).resumeToken;

  const presenceOf = (roomId: string, userId: string): string[] =>
    presence
      .messages()
      .filter((m) => m.channel_id === roomId && m.user_id === userId)
      .map((m) => String(m.type));

  beforeAll(async () => {
    presence = await TestPresenceServer.start();
    node = await startNodeProcess({
      RESUME_GRACE_MS: String(GRACE_MS),
      PRESENCE_TCP: `127.0.0.1:${presence.port}`,
      MAX_CONNECTIONS_PER_IP: '1000',
      JOINS_PER_MINUTE: '1000',
    });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await node?.stop();
    await presence?.stop();
  });

  it('a destroyed socket holds the seat: participantReconnecting within 1 s, no participantLeft; resumeSession restores it', async () => {
    const alice = await joined('alice', 'r-hold', true);
    const bob = await joined('bob', 'r-hold', true);
    expect(alice.reply.session).toEqual({ resumeToken: expect.any(String), graceMs: GRACE_MS });
    await alice.client.next('newParticipantArrived');
    alice.client.send({ id: 'videoStateFrom', userId: 'alice', video: false });
    await bob.client.next('videoStateAnswer');

    const cutAt = Date.now();
    alice.client.socket.terminate();
    const reconnecting = await within(bob.client, 'participantReconnecting', 1_000);
    expect(reconnecting).toEqual({ id: 'participantReconnecting', userId: 'alice' });
    expect(Date.now() - cutAt).toBeLessThan(1_000);

    const again = await connect();
    again.send({ id: 'resumeSession', resumeToken: tokenOf(alice.reply), requestId: 'back' });
    const resumed = await again.next('existingParticipants');
    expect(resumed).toMatchObject({ roomId: 'r-hold', userId: 'alice', resumed: true, requestId: 'back', members: [{ userId: 'bob', audio: true, video: true }] });
    expect(tokenOf(resumed)).not.toBe(tokenOf(alice.reply));
    expect(await within(bob.client, 'participantReconnected', 2_000)).toEqual({ id: 'participantReconnected', userId: 'alice' });
    await bob.client.expectNone('participantLeft', 500);
    await bob.client.expectNone('newParticipantArrived', 0);

    // The seat kept alice's media state, and signaling works on the new connection.
    bob.client.send({ id: 'peerOffer', userId: 'alice', sdpOffer: 'v=0 after-resume' });
    expect(await again.next('subscribeOffer')).toMatchObject({ userId: 'bob', sdpOffer: 'v=0 after-resume' });
    const newcomer = await joined('carol', 'r-hold', false);
    expect(newcomer.reply.members).toContainEqual({ userId: 'alice', audio: true, video: false });
    // Presence heard one enter per user and nothing else.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(presenceOf('r-hold', 'alice')).toEqual(['enter']);
  });

  it('after the grace without a resume: participantLeft and exactly one presence signaling', async () => {
    const alice = await joined('alice', 'r-expire', true);
    const bob = await joined('bob', 'r-expire', true);
    await alice.client.next('newParticipantArrived');
    const cutAt = Date.now();
    alice.client.socket.terminate();
    await within(bob.client, 'participantReconnecting', 1_000);
    await bob.client.expectNone('participantLeft', GRACE_MS - 500);
    const left = await within(bob.client, 'participantLeft', 2_000);
    expect(left).toEqual({ id: 'participantLeft', userId: 'alice' });
    expect(Date.now() - cutAt).toBeGreaterThanOrEqual(GRACE_MS - 100);
    await eventually(() => presenceOf('r-expire', 'alice').length === 2, 3_000, 20);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(presenceOf('r-expire', 'alice')).toEqual(['enter', 'signaling']);
    expect(presence.messages().find((m) => m.channel_id === 'r-expire' && m.type === 'signaling')).toMatchObject({ reason: 'dropped' });

    // The seat is gone: the token no longer works.
    const late = await connect();
    late.send({ id: 'resumeSession', resumeToken: tokenOf(alice.reply), requestId: 'late' });
    expect(await late.next('error')).toMatchObject({ code: 'resumeFailed', requestId: 'late' });
  });

  it('a used token and a forged one get resumeFailed; of two resumes with one token exactly one wins', async () => {
    const alice = await joined('alice', 'r-tokens', true);
    const bob = await joined('bob', 'r-tokens', true);
    await alice.client.next('newParticipantArrived');
    alice.client.socket.terminate();
    await within(bob.client, 'participantReconnecting', 1_000);

    const token = tokenOf(alice.reply);
    const forged = `${token.slice(0, token.lastIndexOf('.'))}.${'x'.repeat(43)}`;
    const forger = await connect();
    forger.send({ id: 'resumeSession', resumeToken: forged, requestId: 'f' });
    expect(await forger.next('error')).toMatchObject({ code: 'resumeFailed', requestId: 'f' });
    forger.send({ id: 'resumeSession', resumeToken: 'nonsense', requestId: 'g' });
    expect(await forger.next('error')).toMatchObject({ code: 'resumeFailed', requestId: 'g' });

    const racers = await Promise.all([connect(), connect(), connect()]);
    racers.forEach((c, i) => c.send({ id: 'resumeSession', resumeToken: token, requestId: `race-${i}` }));
    const answers = await Promise.all(racers.map((c) => firstOf(c, ['existingParticipants', 'error'])));
    expect(answers.filter((a) => a.id === 'existingParticipants')).toHaveLength(1);
    expect(answers.filter((a) => a.id === 'error').map((a) => a.code)).toEqual(['resumeFailed', 'resumeFailed']);
    expect(await within(bob.client, 'participantReconnected', 2_000)).toEqual({ id: 'participantReconnected', userId: 'alice' });

    // The winner's token was used: reusing it fails too.
    const reuse = await connect();
    reuse.send({ id: 'resumeSession', resumeToken: token, requestId: 'again' });
    expect(await reuse.next('error')).toMatchObject({ code: 'resumeFailed', requestId: 'again' });
  });

  it("a seed-style (non-resumable) member's drop gives participantLeft within 1 s, as before", async () => {
    const carol = await joined('carol', 'r-seed', false);
    const bob = await joined('bob', 'r-seed', true);
    expect(carol.reply.session).toBeUndefined();
    await carol.client.next('newParticipantArrived');
    const cutAt = Date.now();
    carol.client.socket.terminate();
    expect(await within(bob.client, 'participantLeft', 1_000)).toEqual({ id: 'participantLeft', userId: 'carol' });
    expect(Date.now() - cutAt).toBeLessThan(1_000);
    expect(bob.client.received.find((m) => m.id === 'participantReconnecting')).toBeUndefined();
  });

  it('a resumable member the node throws out for flooding (1008) loses its seat: the room hears participantLeft, its token fails', async () => {
    const mallory = await joined('mallory', 'r-flood', true);
    const bob = await joined('bob', 'r-flood', true);
    await mallory.client.next('newParticipantArrived');
    // Far past the burst: the node drops the excess with rateLimited, then gives up on the connection.
    for (let i = 0; i < 5_000; i += 1) mallory.client.send({ id: 'videoStateFrom', userId: 'mallory', video: i % 2 === 0 });
    await eventually(() => mallory.client.closeCode !== undefined, 10_000, 20);
    expect(mallory.client.closeCode).toBe(1008);
    expect(await within(bob.client, 'participantLeft', 5_000)).toEqual({ id: 'participantLeft', userId: 'mallory' });
    expect(bob.client.received.find((m) => m.id === 'participantReconnecting')).toBeUndefined();
    const again = await connect();
    again.send({ id: 'resumeSession', resumeToken: tokenOf(mallory.reply), requestId: 'back' });
    expect(await again.next('error')).toMatchObject({ code: 'resumeFailed', requestId: 'back' });
  });
});

const firstOf = async (client: SignalingClient, ids: readonly string[]): Promise<WireMessage> => {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const found = client.received.find((m) => ids.includes(m.id));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`none of ${ids.join(', ')}; got ${JSON.stringify(client.received)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};
