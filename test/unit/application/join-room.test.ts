import { SignalingError } from '../../../src/domain';
import { CoreHarness, NO_TRACES, signalingRejection } from '../../support/fakes';

describe('JoinRoom', () => {
  it('first join opens one media session, records the member and tells the joiner', async () => {
    const core = new CoreHarness({ roomCapacity: 7 });
    core.clock.set(5_000);
    await core.join('alice', 'room-1', { requestId: 'r1', audio: false });

    expect(core.media.callsOf('openSession')).toEqual([{ method: 'openSession', roomId: 'room-1', capacity: 7 }]);
    const session = core.media.sessionOf('room-1');
    expect(session).toBeDefined();
    expect(core.media.usersIn(session!.ref)).toEqual(['alice']);
    expect(core.registry.membership('conn-alice')).toEqual({ roomId: 'room-1', userId: 'alice' });
    expect(core.registry.room('room-1')?.find('alice')).toEqual({
      userId: 'alice',
      connectionId: 'conn-alice',
      audio: false,
      video: true,
      joinedAt: 5_000,
    });
    expect(await core.store.getRoom('room-1')).toEqual({
      roomId: 'room-1',
      communityId: 'c-1',
      nodeId: 'node-test',
      mediaRef: session!.ref,
      members: [{ userId: 'alice', connectionId: 'conn-alice', audio: false, video: true, joinedAt: 5_000 }],
    });
    expect(core.clients.to('conn-alice')).toEqual([
      { type: 'joined', roomId: 'room-1', userId: 'alice', others: [], media: core.media.capabilities(), requestId: 'r1' },
    ]);
    expect(core.presence.events).toEqual([{ type: 'participantJoined', roomId: 'room-1', communityId: 'c-1', userId: 'alice', at: 5_000 }]);
    expect(core.placement.held.has('room-1')).toBe(true);
  });

  it('a later join reuses the session, lists who is there and tells them about the arrival', async () => {
    const core = new CoreHarness();
    await core.join('alice', 'room-1', { video: false });
    await core.join('bob');
    await core.join('carol');

    expect(core.media.callsOf('openSession')).toHaveLength(1);
    expect(core.clients.ofType('conn-carol', 'joined')[0]?.others).toEqual([
      { userId: 'alice', audio: true, video: false },
      { userId: 'bob', audio: true, video: true },
    ]);
    expect(core.clients.ofType('conn-alice', 'participantJoined').map((m) => m.member.userId)).toEqual(['bob', 'carol']);
    expect(core.clients.ofType('conn-bob', 'participantJoined').map((m) => m.member)).toEqual([{ userId: 'carol', audio: true, video: true }]);
    expect(core.clients.ofType('conn-carol', 'participantJoined')).toEqual([]);
    expect(core.registry.room('room-1')?.size).toBe(3);
  });

  it('two concurrent first joins of one room create exactly one media session', async () => {
    const core = new CoreHarness();
    core.media.delay('openSession', 30);
    await Promise.all([core.join('alice'), core.join('bob')]);

    expect(core.media.callsOf('openSession')).toHaveLength(1);
    expect(core.media.sessions.size).toBe(1);
    const session = core.media.sessionOf('room-1')!;
    expect(core.media.usersIn(session.ref).sort()).toEqual(['alice', 'bob']);
    expect(core.clients.ofType('conn-alice', 'joined')[0]?.others).toEqual([]);
    expect(core.clients.ofType('conn-bob', 'joined')[0]?.others.map((m) => m.userId)).toEqual(['alice']);
    expect(core.clients.ofType('conn-alice', 'participantJoined').map((m) => m.member.userId)).toEqual(['bob']);
  });

  it('many concurrent joins of one room still open one session and admit everyone once', async () => {
    const core = new CoreHarness();
    const gate = core.media.hold('openSession');
    const joins = Array.from({ length: 10 }, (_, i) => core.join(`u${i}`));
    gate.resolve();
    await Promise.all(joins);
    expect(core.media.callsOf('openSession')).toHaveLength(1);
    expect(core.registry.room('room-1')?.size).toBe(10);
    expect((await core.store.getRoom('room-1'))?.members).toHaveLength(10);
  });

  it('different rooms get different sessions', async () => {
    const core = new CoreHarness();
    await Promise.all([core.join('alice', 'room-1'), core.join('bob', 'room-2')]);
    expect(core.media.sessionOf('room-1')?.ref).not.toBe(core.media.sessionOf('room-2')?.ref);
    expect(core.clients.ofType('conn-alice', 'participantJoined')).toEqual([]);
  });

  describe('full room', () => {
    it('the 26th user of a default room gets roomFull and leaves no state behind', async () => {
      const core = new CoreHarness();
      for (let i = 1; i <= 25; i += 1) await core.join(`u${i}`);
      core.clients.clear();
      const presenceBefore = core.presence.events.length;
      const storeCallsBefore = core.store.calls.length;
      const mediaCallsBefore = core.media.calls.length;

      const error = await signalingRejection(core.join('u26', 'room-1', { requestId: 'full-1' }));

      expect(error.code).toBe('roomFull');
      expect(error.details).toMatchObject({ roomId: 'room-1' });
      // The refusal is thrown, not sent: the inbound adapter answers it (limitJoinAnswer, then the error).
      expect(core.clients.sent).toEqual([]);
      expect(core.registry.membership('conn-u26')).toBeUndefined();
      expect(core.registry.room('room-1')?.size).toBe(25);
      expect(core.registry.room('room-1')?.has('u26')).toBe(false);
      expect(core.store.calls.length).toBe(storeCallsBefore);
      expect((await core.store.getRoom('room-1'))?.members).toHaveLength(25);
      expect(core.media.calls.length).toBe(mediaCallsBefore);
      expect(core.presence.events.length).toBe(presenceBefore);
    });

    it('a user who is already in may take over a full room without counting twice', async () => {
      const core = new CoreHarness({ roomCapacity: 2 });
      await core.join('alice');
      await core.join('bob');
      await core.join('alice', 'room-1', { connectionId: 'conn-alice-2' });
      expect(core.registry.room('room-1')?.size).toBe(2);
      expect(core.registry.room('room-1')?.find('alice')?.connectionId).toBe('conn-alice-2');
    });
  });

  describe('takeover', () => {
    it('the old connection gets sessionReplaced and is disconnected; the room still has one alice', async () => {
      const core = new CoreHarness();
      await core.join('alice');
      await core.join('bob');
      core.clock.advance(1_000);
      const sessionRef = core.media.sessionOf('room-1')!.ref;

      await core.join('alice', 'room-1', { connectionId: 'conn-alice-2', requestId: 'again' });

      expect(core.clients.disconnectsOf('conn-alice')).toEqual([
        { connectionId: 'conn-alice', code: 'sessionReplaced', message: expect.any(String) },
      ]);
      const room = core.registry.room('room-1')!;
      expect(room.size).toBe(2);
      expect(room.participants().filter((p) => p.userId === 'alice')).toHaveLength(1);
      expect(room.find('alice')?.connectionId).toBe('conn-alice-2');
      expect(core.registry.membership('conn-alice')).toBeUndefined();
      expect(core.registry.membership('conn-alice-2')).toEqual({ roomId: 'room-1', userId: 'alice' });
      expect(core.registry.participantCount).toBe(2);

      // The old media endpoints are freed and new ones made, in the same session.
      expect(core.media.callsOf('removeParticipant').map((c) => c.userId)).toEqual(['alice']);
      expect(core.media.callsOf('addParticipant').map((c) => c.userId)).toEqual(['alice', 'bob', 'alice']);
      expect(core.media.callsOf('closeSession')).toEqual([]);
      expect(core.media.sessionOf('room-1')?.ref).toBe(sessionRef);

      const record = await core.store.getRoom('room-1');
      expect(record?.members.find((m) => m.userId === 'alice')?.connectionId).toBe('conn-alice-2');
      expect(record?.members).toHaveLength(2);

      expect(core.clients.ofType('conn-alice-2', 'joined')[0]).toMatchObject({ others: [{ userId: 'bob' }], requestId: 'again' });
      expect(core.clients.to('conn-bob').slice(-2)).toEqual([
        { type: 'participantLeft', userId: 'alice' },
        { type: 'participantJoined', member: { userId: 'alice', audio: true, video: true } },
      ]);
      expect(core.presence.events.slice(-2)).toEqual([
        expect.objectContaining({ type: 'participantDeparted', userId: 'alice', reason: 'replaced' }),
        expect.objectContaining({ type: 'participantJoined', userId: 'alice' }),
      ]);
    });

    it('a lone user taking over keeps the room and its session open', async () => {
      const core = new CoreHarness();
      await core.join('alice');
      const sessionRef = core.media.sessionOf('room-1')!.ref;
      await core.join('alice', 'room-1', { connectionId: 'conn-alice-2' });

      expect(core.media.callsOf('openSession')).toHaveLength(1);
      expect(core.media.callsOf('closeSession')).toEqual([]);
      expect(core.media.usersIn(sessionRef)).toEqual(['alice']);
      expect(core.placement.releases).toEqual([]);
      expect(core.registry.room('room-1')?.find('alice')?.connectionId).toBe('conn-alice-2');
      expect((await core.store.getRoom('room-1'))?.members.map((m) => m.connectionId)).toEqual(['conn-alice-2']);
    });

    it('a late close of the replaced connection does not evict the new one', async () => {
      const core = new CoreHarness();
      await core.join('alice');
      await core.join('alice', 'room-1', { connectionId: 'conn-alice-2' });
      await core.leaveRoom.connectionLost('conn-alice');
      expect(core.registry.room('room-1')?.find('alice')?.connectionId).toBe('conn-alice-2');
      expect((await core.store.getRoom('room-1'))?.members).toHaveLength(1);
      expect(core.presence.departures().map((d) => d.reason)).toEqual(['replaced']);
    });
  });

  describe('refusals before anything changes', () => {
    it('a connection already in a room gets alreadyInRoom, without a token check', async () => {
      const core = new CoreHarness();
      await core.join('alice');
      const verifications = core.tokens.calls.length;
      const error = await signalingRejection(core.join('alice', 'room-2'));
      expect(error.code).toBe('alreadyInRoom');
      expect(error.details).toEqual({ roomId: 'room-1' });
      expect(core.tokens.calls.length).toBe(verifications);
      expect(await core.traces('room-2')).toEqual(NO_TRACES);
      expect(core.placement.claims).toEqual(['room-1']);
    });

    it.each([
      ['an unknown token', 'bad-token', 'unauthorized'],
      ['no token', undefined, 'unauthorized'],
      ["another user's token", 'bob-token', 'forbidden'],
    ] as const)('%s changes nothing', async (_what, token, code) => {
      const core = new CoreHarness();
      core.tokens.accept('alice-token', 'alice').accept('bob-token', 'bob');
      const error = await signalingRejection(core.join('alice', 'room-1', { token }));
      expect(error.code).toBe(code);
      expect(core.tokens.calls).toEqual([{ token, claimedUserId: 'alice', roomId: 'room-1' }]);
      expect(core.placement.claims).toEqual([]);
      expect(core.media.calls).toEqual([]);
      expect(core.store.calls).toEqual([]);
      expect(core.clients.sent).toEqual([]);
      expect(core.presence.events).toEqual([]);
      expect(core.registry.participantCount).toBe(0);
      expect(await core.traces('room-1')).toEqual(NO_TRACES);
    });

    it('a valid token lets the user in under its own id', async () => {
      const core = new CoreHarness();
      core.tokens.accept('alice-token', 'alice');
      await core.join('alice', 'room-1', { token: 'alice-token' });
      expect(core.registry.room('room-1')?.has('alice')).toBe(true);
    });

    it('a room hosted by another node is refused with wrongNode and where to go', async () => {
      const core = new CoreHarness();
      core.placement.hostElsewhere('room-1', 'node-2', 'ws://127.0.0.1:9999/rtc');
      const error = await signalingRejection(core.join('alice'));
      expect(error.code).toBe('wrongNode');
      expect(error.details).toEqual({ nodeId: 'node-2', nodeUrl: 'ws://127.0.0.1:9999/rtc' });
      expect(core.media.calls).toEqual([]);
      expect(core.store.calls).toEqual([]);
      expect(core.registry.roomCount).toBe(0);
    });

    it('a join naming another community for an existing room is invalidMessage and changes nothing', async () => {
      const core = new CoreHarness();
      await core.join('alice');
      const mediaCalls = core.media.calls.length;
      const error = await signalingRejection(core.join('bob', 'room-1', { communityId: 'c-other' }));
      expect(error.code).toBe('invalidMessage');
      expect(core.registry.room('room-1')?.has('bob')).toBe(false);
      expect(core.registry.membership('conn-bob')).toBeUndefined();
      expect(core.media.calls.length).toBe(mediaCalls);
      expect(core.clients.ofType('conn-alice', 'participantJoined')).toEqual([]);
    });
  });

  it('a refused join does not keep the room lock', async () => {
    const core = new CoreHarness({ roomCapacity: 1 });
    await core.join('alice');
    await expect(core.join('bob')).rejects.toBeInstanceOf(SignalingError);
    expect(core.locks.activeKeys).toBe(0);
    await core.leaveRoom.execute({ connectionId: 'conn-alice' });
    await core.join('bob');
    expect(core.registry.room('room-1')?.has('bob')).toBe(true);
  });
});
