import type { ClientMessage, MemberRecord } from '../../../src/application';
import { CoreHarness, signalingRejection } from '../../support/fakes';

const GRACE = 15_000;

type Joined = Extract<ClientMessage, { type: 'joined' }>;

const joinedOf = (core: CoreHarness, connectionId: string): Joined => {
  const replies = core.clients.ofType(connectionId, 'joined');
  const last = replies[replies.length - 1];
  if (!last) throw new Error(`no joined reply to ${connectionId}`);
  return last;
};

const tokenOf = (core: CoreHarness, connectionId: string): string => {
  const token = joinedOf(core, connectionId).session?.resumeToken;
  if (!token) throw new Error(`no resume token for ${connectionId}`);
  return token;
};

/** alice and bob resumable, carol as the seed's clients join (not resumable). */
const room = async (options: { resumeGraceMs?: number } = {}): Promise<CoreHarness> => {
  const core = new CoreHarness(options);
  await core.join('alice', 'room-1', { resumable: true });
  await core.join('bob', 'room-1', { resumable: true });
  await core.join('carol');
  return core;
};

describe('held seats and session resume', () => {
  it('a resumable join gets a session (token and grace); a plain join gets none', async () => {
    const core = await room();
    expect(joinedOf(core, 'conn-alice').session).toEqual({ resumeToken: expect.any(String), graceMs: GRACE });
    expect(joinedOf(core, 'conn-carol').session).toBeUndefined();
    expect(core.registry.room('room-1')?.find('alice')?.seat?.proof).toEqual(expect.any(String));
    expect(core.registry.room('room-1')?.find('carol')?.seat).toBeUndefined();
  });

  it('RESUME_GRACE_MS=0 turns it off: no session, and a drop is a departure', async () => {
    const core = await room({ resumeGraceMs: 0 });
    expect(joinedOf(core, 'conn-alice').session).toBeUndefined();
    core.clients.clear();
    await core.leaveRoom.connectionLost('conn-alice');
    expect(core.clients.to('conn-bob')).toEqual([{ type: 'participantLeft', userId: 'alice' }]);
  });

  it('a resumable drop holds the seat: participantReconnecting at once, no participantLeft, nothing to presence, media kept', async () => {
    const core = await room();
    const ref = core.media.sessionOf('room-1')!.ref;
    core.clients.clear();
    const presenceBefore = core.presence.events.length;

    await core.leaveRoom.connectionLost('conn-alice');

    expect(core.clients.to('conn-bob')).toEqual([{ type: 'participantReconnecting', userId: 'alice' }]);
    expect(core.clients.to('conn-carol')).toEqual([{ type: 'participantReconnecting', userId: 'alice' }]);
    expect(core.presence.events.length).toBe(presenceBefore);
    expect(core.media.callsOf('removeParticipant')).toEqual([]);
    expect(core.media.usersIn(ref)).toContain('alice');
    const alice = core.registry.room('room-1')?.find('alice');
    expect(alice?.reconnectingUntil).toBe(core.clock.now() + GRACE);
    expect(core.registry.membership('conn-alice')).toBeUndefined();
    // The seat still counts toward capacity, and the store holds it too.
    expect(core.registry.room('room-1')?.size).toBe(3);
    const stored = (await core.store.getRoom('room-1'))?.members.find((m) => m.userId === 'alice');
    expect(stored?.seat?.heldForMs).toBe(GRACE);
  });

  it('a non-resumable (seed-style) drop is a departure at once, as before', async () => {
    const core = await room();
    core.clients.clear();
    await core.leaveRoom.connectionLost('conn-carol');
    expect(core.clients.to('conn-alice')).toEqual([{ type: 'participantLeft', userId: 'carol' }]);
    expect(core.presence.departures()).toEqual([expect.objectContaining({ userId: 'carol', reason: 'dropped' })]);
  });

  it('grace expiry without a resume: participantLeft and one presence `dropped`, exactly as a drop', async () => {
    const core = await room();
    await core.leaveRoom.connectionLost('conn-alice');
    core.clients.clear();
    core.clock.advance(GRACE - 1);
    await flush();
    expect(core.clients.to('conn-bob')).toEqual([]);

    core.clock.advance(1);
    await flush();
    expect(core.clients.to('conn-bob')).toEqual([{ type: 'participantLeft', userId: 'alice' }]);
    expect(core.presence.departures()).toEqual([expect.objectContaining({ userId: 'alice', reason: 'dropped' })]);
    expect(core.registry.room('room-1')?.has('alice')).toBe(false);
    expect(core.media.callsOf('removeParticipant')).toEqual([expect.objectContaining({ userId: 'alice' })]);
    expect(core.seats.size).toBe(0);
  });

  it('resumeSession within grace: resumed existingParticipants with a fresh session, participantReconnected, no presence, media untouched', async () => {
    const core = await room();
    const token = tokenOf(core, 'conn-alice');
    await core.setMediaState.execute({ connectionId: 'conn-alice', userId: 'alice', kind: 'video', enabled: false });
    await core.leaveRoom.connectionLost('conn-alice');
    core.clients.clear();
    const presenceBefore = core.presence.events.length;
    const mediaCalls = core.media.calls.length;
    core.clock.advance(GRACE - 1);

    await core.resume.execute({ connectionId: 'conn-alice-2', resumeToken: token, requestId: 'r1' });

    const reply = joinedOf(core, 'conn-alice-2');
    expect(reply).toMatchObject({ roomId: 'room-1', userId: 'alice', resumed: true, requestId: 'r1' });
    expect(reply.others).toEqual([
      { userId: 'bob', audio: true, video: true },
      { userId: 'carol', audio: true, video: true },
    ]);
    expect(reply.session?.resumeToken).toEqual(expect.any(String));
    expect(reply.session?.resumeToken).not.toBe(token);
    expect(core.clients.to('conn-bob')).toEqual([{ type: 'participantReconnected', userId: 'alice' }]);
    expect(core.clients.ofType('conn-bob', 'participantLeft')).toEqual([]);
    expect(core.clients.ofType('conn-bob', 'participantJoined')).toEqual([]);
    expect(core.presence.events.length).toBe(presenceBefore);
    expect(core.media.calls.length).toBe(mediaCalls);
    const alice = core.registry.room('room-1')?.find('alice');
    expect(alice).toMatchObject({ connectionId: 'conn-alice-2', video: false, audio: true });
    expect(alice?.reconnectingUntil).toBeUndefined();
    expect(core.registry.membership('conn-alice-2')).toEqual({ roomId: 'room-1', userId: 'alice' });

    // The grace timer is gone: nothing happens when the old deadline passes.
    core.clock.advance(GRACE * 2);
    await flush();
    expect(core.clients.ofType('conn-bob', 'participantLeft')).toEqual([]);
  });

  it('a seat that has a name keeps it whatever the resume carries; participantReconnected names it', async () => {
    const core = new CoreHarness();
    await core.join('alice', 'room-1', { resumable: true, displayName: 'Alice Smith' });
    await core.join('bob', 'room-1', { resumable: true });
    const token = tokenOf(core, 'conn-alice');
    await core.leaveRoom.connectionLost('conn-alice');
    core.clients.clear();

    await core.resume.execute({ connectionId: 'conn-alice-2', resumeToken: token, displayName: 'Someone Else' });

    expect(core.clients.to('conn-bob')).toEqual([{ type: 'participantReconnected', userId: 'alice', displayName: 'Alice Smith' }]);
    expect(core.registry.room('room-1')?.find('alice')?.displayName).toBe('Alice Smith');
  });

  it('a member that is reconnecting is listed as such to a newcomer and to the one who resumes', async () => {
    const core = await room();
    await core.leaveRoom.connectionLost('conn-bob');
    await core.join('dave');
    expect(joinedOf(core, 'conn-dave').others).toContainEqual({ userId: 'bob', audio: true, video: true, reconnecting: true });
    const token = tokenOf(core, 'conn-alice');
    await core.leaveRoom.connectionLost('conn-alice');
    await core.resume.execute({ connectionId: 'conn-alice-2', resumeToken: token });
    expect(joinedOf(core, 'conn-alice-2').others).toContainEqual({ userId: 'bob', audio: true, video: true, reconnecting: true });
    // bob is reconnecting: nobody sends to his dead connection.
    expect(core.clients.ofType('conn-bob', 'participantReconnected')).toEqual([]);
  });

  it('a used token is refused (single use); so are a forged one, one after the grace, and garbage', async () => {
    const core = await room();
    const token = tokenOf(core, 'conn-alice');
    await core.leaveRoom.connectionLost('conn-alice');
    await core.resume.execute({ connectionId: 'conn-alice-2', resumeToken: token });

    expect(await refusal(core.resume.execute({ connectionId: 'conn-x', resumeToken: token }))).toEqual({ code: 'resumeFailed' });
    const forged = `${token.slice(0, token.lastIndexOf('.'))}.${'A'.repeat(43)}`;
    expect(await refusal(core.resume.execute({ connectionId: 'conn-x', resumeToken: forged }))).toEqual({ code: 'resumeFailed' });
    expect(await refusal(core.resume.execute({ connectionId: 'conn-x', resumeToken: 'not-a-token' }))).toEqual({ code: 'resumeFailed' });
    expect(core.registry.membership('conn-x')).toBeUndefined();

    const bobToken = tokenOf(core, 'conn-bob');
    await core.leaveRoom.connectionLost('conn-bob');
    core.clock.advance(GRACE);
    await flush();
    expect(await refusal(core.resume.execute({ connectionId: 'conn-bob-2', resumeToken: bobToken }))).toEqual({ code: 'resumeFailed' });
  });

  it('a token names its room and user: it cannot resume another user or another room', async () => {
    const core = await room();
    await core.join('alice', 'room-2', { connectionId: 'conn-alice-r2', resumable: true });
    const otherRoom = tokenOf(core, 'conn-alice-r2');
    await core.leaveRoom.connectionLost('conn-bob');
    // A token for alice in room-2 proves nothing about bob in room-1, nor about alice in room-1.
    expect(await refusal(core.resume.execute({ connectionId: 'conn-x', resumeToken: otherRoom.replace(/^[^.]+/, Buffer.from(JSON.stringify(['room-1', 'bob'])).toString('base64url')) }))).toEqual({ code: 'resumeFailed' });
    expect(await refusal(core.resume.execute({ connectionId: 'conn-x', resumeToken: otherRoom.replace(/^[^.]+/, Buffer.from(JSON.stringify(['room-1', 'alice'])).toString('base64url')) }))).toEqual({ code: 'resumeFailed' });
  });

  it('of two resumes with one token, exactly one wins', async () => {
    const core = await room();
    const token = tokenOf(core, 'conn-alice');
    await core.leaveRoom.connectionLost('conn-alice');
    const results = await Promise.allSettled([
      core.resume.execute({ connectionId: 'conn-a1', resumeToken: token }),
      core.resume.execute({ connectionId: 'conn-a2', resumeToken: token }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => ((r as PromiseRejectedResult).reason as { code: string }).code)).toEqual(['resumeFailed']);
  });

  it('a resume before the server noticed the drop takes the seat over: the old connection is closed, not departed', async () => {
    const core = await room();
    const token = tokenOf(core, 'conn-alice');
    core.clients.clear();
    await core.resume.execute({ connectionId: 'conn-alice-2', resumeToken: token });
    expect(core.clients.disconnectsOf('conn-alice')).toEqual([expect.objectContaining({ code: 'sessionReplaced' })]);
    expect(core.clients.to('conn-bob')).toEqual([{ type: 'participantReconnected', userId: 'alice' }]);
    expect(core.presence.departures()).toEqual([]);
    // The old connection closing afterwards changes nothing.
    await core.leaveRoom.connectionLost('conn-alice');
    expect(core.registry.room('room-1')?.find('alice')?.connectionId).toBe('conn-alice-2');
    expect(core.clients.ofType('conn-bob', 'participantReconnecting')).toEqual([]);
  });

  it('a held seat counts toward capacity', async () => {
    const core = new CoreHarness({ roomCapacity: 2 });
    await core.join('alice', 'room-1', { resumable: true });
    await core.join('bob');
    await core.leaveRoom.connectionLost('conn-alice');
    expect(await refusal(core.join('carol'))).toMatchObject({ code: 'roomFull' });
  });

  it('the seat never outlives the join token: held only until its expiry, refused after it', async () => {
    const core = new CoreHarness();
    const expiresAt = core.clock.now() + 5_000;
    core.tokens.expireAt('t-alice', 'alice', expiresAt);
    await core.join('alice', 'room-1', { resumable: true, token: 't-alice' });
    core.tokens.accept('t-bob', 'bob');
    await core.join('bob', 'room-1', { token: 't-bob' });
    const token = tokenOf(core, 'conn-alice');
    await core.leaveRoom.connectionLost('conn-alice');
    expect(core.registry.room('room-1')?.find('alice')?.reconnectingUntil).toBe(expiresAt);
    core.clock.advance(5_000);
    await flush();
    expect(core.clients.ofType('conn-bob', 'participantLeft')).toEqual([{ type: 'participantLeft', userId: 'alice' }]);
    expect(await refusal(core.resume.execute({ connectionId: 'conn-2', resumeToken: token }))).toEqual({ code: 'resumeFailed' });
  });

  it('the grace the join and resume replies announce is cut to what is left of the join token, as the hold is', async () => {
    const core = new CoreHarness();
    core.tokens.expireAt('t-alice', 'alice', core.clock.now() + 5_000);
    core.tokens.expireAt('t-bob', 'bob', core.clock.now() + GRACE * 10);
    await core.join('alice', 'room-1', { resumable: true, token: 't-alice' });
    await core.join('bob', 'room-1', { resumable: true, token: 't-bob' });
    expect(joinedOf(core, 'conn-alice').session?.graceMs).toBe(5_000);
    expect(joinedOf(core, 'conn-bob').session?.graceMs).toBe(GRACE);
    await core.leaveRoom.connectionLost('conn-alice');
    core.clock.advance(2_000);
    await core.resume.execute({ connectionId: 'conn-alice-2', resumeToken: tokenOf(core, 'conn-alice') });
    expect(joinedOf(core, 'conn-alice-2').session?.graceMs).toBe(3_000);
  });

  it('a join token already past its expiry (within the clock tolerance) gets no session: its seat could never be resumed', async () => {
    const core = new CoreHarness();
    core.tokens.expireAt('t-alice', 'alice', core.clock.now() - 5_000);
    await core.join('alice', 'room-1', { resumable: true, token: 't-alice' });
    expect(joinedOf(core, 'conn-alice').session).toBeUndefined();
    expect(core.registry.room('room-1')?.find('alice')?.seat).toBeUndefined();
  });

  it('joinRoom again instead of resuming replaces the held seat (as a takeover does)', async () => {
    const core = await room();
    await core.leaveRoom.connectionLost('conn-alice');
    core.clients.clear();
    await core.join('alice', 'room-1', { connectionId: 'conn-alice-new', resumable: true });
    expect(core.clients.ofType('conn-bob', 'participantLeft')).toEqual([{ type: 'participantLeft', userId: 'alice' }]);
    expect(core.presence.departures()).toEqual([expect.objectContaining({ userId: 'alice', reason: 'replaced' })]);
    core.clock.advance(GRACE);
    await flush();
    expect(core.registry.room('room-1')?.find('alice')?.connectionId).toBe('conn-alice-new');
  });

  it('a connection already in a room cannot resume', async () => {
    const core = await room();
    const token = tokenOf(core, 'conn-alice');
    expect(await refusal(core.resume.execute({ connectionId: 'conn-bob', resumeToken: token }))).toMatchObject({ code: 'alreadyInRoom' });
  });

  it('iceServers go with every join and resume when configured', async () => {
    const core = new CoreHarness();
    core.iceServerList = [{ urls: ['stun:stun.example.org'] }];
    await core.join('alice', 'room-1', { resumable: true });
    expect(joinedOf(core, 'conn-alice').iceServers).toEqual([{ urls: ['stun:stun.example.org'] }]);
    const token = tokenOf(core, 'conn-alice');
    await core.leaveRoom.connectionLost('conn-alice');
    await core.resume.execute({ connectionId: 'conn-2', resumeToken: token });
    expect(joinedOf(core, 'conn-2').iceServers).toEqual([{ urls: ['stun:stun.example.org'] }]);
  });

  describe('a room whose host died', () => {
    const deadRecord = (core: CoreHarness, proofOf: Record<string, string>) => {
      const member = (userId: string, extra: Partial<MemberRecord> = {}): MemberRecord => ({
        userId,
        connectionId: `dead-${userId}`,
        audio: true,
        video: userId !== 'bob',
        joinedAt: 1,
        ...extra,
      });
      const alice = member('alice', { seat: { proof: proofOf.alice! } });
      const bob = member('bob', { seat: { proof: proofOf.bob!, heldForMs: 9_000 } });
      const carol = member('carol');
      core.store.leftByDeadHost(
        { roomId: 'room-9', communityId: 'c-1', nodeId: 'dead-node', members: [alice, bob, carol] },
        [{ ...bob }],
        { record: { roomId: 'room-9', communityId: 'c-1', nodeId: 'dead-node', members: [carol] }, at: 5 },
      );
    };

    it('a resume here takes the room over: held seats become reconnecting members, the rest are reported gone', async () => {
      const core = new CoreHarness();
      const alice = core.resumeTokens.issue('room-9', 'alice');
      const bob = core.resumeTokens.issue('room-9', 'bob');
      deadRecord(core, { alice: alice.proof, bob: bob.proof });

      await core.resume.execute({ connectionId: 'conn-a', resumeToken: alice.token });

      const reply = joinedOf(core, 'conn-a');
      expect(reply).toMatchObject({ roomId: 'room-9', userId: 'alice', resumed: true });
      expect(reply.others).toEqual([{ userId: 'bob', audio: true, video: false, reconnecting: true }]);
      expect(core.placement.claims).toEqual(['room-9']);
      expect(core.media.sessionOf('room-9')).toBeDefined();
      expect(core.presence.departures()).toEqual([expect.objectContaining({ userId: 'carol', reason: 'nodeLost', at: 5 })]);
      expect(core.presence.arrivals()).toEqual([]);

      // bob comes back within what is left of his grace; nobody is reported.
      core.clock.advance(8_999);
      await core.resume.execute({ connectionId: 'conn-b', resumeToken: bob.token });
      expect(core.clients.to('conn-a')).toContainEqual({ type: 'participantReconnected', userId: 'bob' });
      expect(core.presence.departures()).toHaveLength(1);
    });

    it("the seat taken over keeps its join token's expiry: the resume reply's grace is cut to it, and so is the hold", async () => {
      const core = new CoreHarness();
      const alice = core.resumeTokens.issue('room-9', 'alice');
      const member: MemberRecord = { userId: 'alice', connectionId: 'dead-alice', audio: true, video: true, joinedAt: 1 };
      const seat = { proof: alice.proof, notAfter: core.clock.now() + 4_000 };
      core.store.leftByDeadHost(
        { roomId: 'room-9', communityId: 'c-1', nodeId: 'dead-node', members: [{ ...member, seat }] },
        [{ ...member, seat }],
        { record: { roomId: 'room-9', communityId: 'c-1', nodeId: 'dead-node', members: [] }, at: 5 },
      );
      core.clock.advance(1_000);
      await core.resume.execute({ connectionId: 'conn-a', resumeToken: alice.token });
      expect(joinedOf(core, 'conn-a').session?.graceMs).toBe(3_000);
      // Dropped again: the seat is held only until the token's expiry, not a whole grace.
      await core.leaveRoom.connectionLost('conn-a');
      core.clock.advance(3_000);
      await flush();
      expect(core.presence.departures().map((d) => [d.userId, d.reason])).toEqual([['alice', 'dropped']]);
    });

    it('a held seat of the room taken over departs when its grace runs out', async () => {
      const core = new CoreHarness();
      const alice = core.resumeTokens.issue('room-9', 'alice');
      const bob = core.resumeTokens.issue('room-9', 'bob');
      deadRecord(core, { alice: alice.proof, bob: bob.proof });
      await core.resume.execute({ connectionId: 'conn-a', resumeToken: alice.token });
      core.clock.advance(9_000);
      await flush();
      expect(core.clients.to('conn-a')).toContainEqual({ type: 'participantLeft', userId: 'bob' });
      expect(core.presence.departures().map((d) => [d.userId, d.reason])).toEqual([
        ['carol', 'nodeLost'],
        ['bob', 'dropped'],
      ]);
    });

    it('a join taking the room over sees the held seats as reconnecting members', async () => {
      const core = new CoreHarness();
      const alice = core.resumeTokens.issue('room-9', 'alice');
      const bob = core.resumeTokens.issue('room-9', 'bob');
      deadRecord(core, { alice: alice.proof, bob: bob.proof });
      await core.join('dave', 'room-9');
      expect(joinedOf(core, 'conn-dave').others).toEqual([{ userId: 'bob', audio: true, video: false, reconnecting: true }]);
    });

    it('a forged token costs no placement and no media session', async () => {
      const core = new CoreHarness();
      const alice = core.resumeTokens.issue('room-9', 'alice');
      const bob = core.resumeTokens.issue('room-9', 'bob');
      deadRecord(core, { alice: alice.proof, bob: bob.proof });
      const forged = core.resumeTokens.issue('room-9', 'alice').token;
      expect(await refusal(core.resume.execute({ connectionId: 'conn-x', resumeToken: forged }))).toEqual({ code: 'resumeFailed' });
      expect(core.placement.claims).toEqual([]);
      expect(core.media.callsOf('openSession')).toEqual([]);
    });

    it('another live node hosting the room: wrongNode with its address, like a join', async () => {
      const core = new CoreHarness();
      const alice = core.resumeTokens.issue('room-9', 'alice');
      const bob = core.resumeTokens.issue('room-9', 'bob');
      deadRecord(core, { alice: alice.proof, bob: bob.proof });
      core.placement.hostElsewhere('room-9', 'node-2', 'ws://node-2/rtc/websocket');
      expect(await refusal(core.resume.execute({ connectionId: 'conn-a', resumeToken: alice.token }))).toEqual({ code: 'wrongNode', details: { nodeId: 'node-2', nodeUrl: 'ws://node-2/rtc/websocket' } });
      expect(core.media.callsOf('openSession')).toEqual([]);
    });
  });
});

/** The code (and details) of the SignalingError `promise` rejects with. */
const refusal = async (promise: Promise<unknown>): Promise<{ code: string; details?: unknown }> => {
  const error = await signalingRejection(promise);
  return error.details === undefined ? { code: error.code } : { code: error.code, details: error.details };
};

/** Lets the promise chains a timer started (room lock, departure) run to the end. */
const flush = async (): Promise<void> => {
  for (let i = 0; i < 20; i += 1) await Promise.resolve();
  await new Promise((resolve) => setImmediate(resolve));
};
