import { CoreHarness, NO_TRACES, signalingRejection } from '../../support/fakes';

const threeInRoom = async (): Promise<CoreHarness> => {
  const core = new CoreHarness();
  await core.join('alice');
  await core.join('bob');
  await core.join('carol');
  core.clients.clear();
  return core;
};

describe('LeaveRoom', () => {
  it('frees the participant everywhere and tells the others', async () => {
    const core = await threeInRoom();
    const ref = core.media.sessionOf('room-1')!.ref;
    core.clock.set(1_700_000_009_000);

    await core.leaveRoom.execute({ connectionId: 'conn-bob' });

    expect(core.media.callsOf('removeParticipant')).toEqual([{ method: 'removeParticipant', roomId: 'room-1', ref, userId: 'bob' }]);
    expect(core.media.usersIn(ref).sort()).toEqual(['alice', 'carol']);
    expect((await core.store.getRoom('room-1'))?.members.map((m) => m.userId)).toEqual(['alice', 'carol']);
    expect(core.registry.membership('conn-bob')).toBeUndefined();
    expect(core.registry.room('room-1')?.has('bob')).toBe(false);
    expect(core.clients.to('conn-alice')).toEqual([{ type: 'participantLeft', userId: 'bob' }]);
    expect(core.clients.to('conn-carol')).toEqual([{ type: 'participantLeft', userId: 'bob' }]);
    expect(core.clients.to('conn-bob')).toEqual([]);
    expect(core.presence.departures()).toEqual([
      { type: 'participantDeparted', roomId: 'room-1', communityId: 'c-1', userId: 'bob', reason: 'left', at: 1_700_000_009_000 },
    ]);
    expect(core.media.callsOf('closeSession')).toEqual([]);
    expect(core.placement.releases).toEqual([]);
  });

  it('tells the leaver nothing: the inbound adapter owns the ack (message-dispatcher.test.ts)', async () => {
    const core = await threeInRoom();
    await core.leaveRoom.execute({ connectionId: 'conn-bob' });
    expect(core.clients.to('conn-bob')).toEqual([]);
    expect(core.clients.ofType('conn-bob', 'ack')).toEqual([]);
  });

  it('the last one out closes the media session, releases the placement and removes the record', async () => {
    const core = new CoreHarness();
    await core.join('alice');
    await core.join('bob');
    const ref = core.media.sessionOf('room-1')!.ref;

    await core.leaveRoom.execute({ connectionId: 'conn-alice' });
    await core.leaveRoom.execute({ connectionId: 'conn-bob' });

    expect(core.media.callsOf('closeSession')).toEqual([{ method: 'closeSession', roomId: 'room-1', ref }]);
    expect(core.placement.releases).toEqual(['room-1']);
    expect(await core.traces('room-1')).toEqual(NO_TRACES);
    expect(core.registry.roomCount).toBe(0);
    expect(core.registry.participantCount).toBe(0);
    expect(core.store.callsOf('recordRoomClosed')).toEqual([{ method: 'recordRoomClosed', roomId: 'room-1' }]);
  });

  it('a connection in no room gets notInRoom and no ack', async () => {
    const core = await threeInRoom();
    const error = await signalingRejection(core.leaveRoom.execute({ connectionId: 'stranger' }));
    expect(error.code).toBe('notInRoom');
    expect(core.clients.sent).toEqual([]);
    expect(core.registry.room('room-1')?.size).toBe(3);
  });

  it('leaving twice: the second is notInRoom and changes nothing', async () => {
    const core = await threeInRoom();
    await core.leaveRoom.execute({ connectionId: 'conn-bob' });
    await expect(core.leaveRoom.execute({ connectionId: 'conn-bob' })).rejects.toMatchObject({ code: 'notInRoom' });
    expect(core.presence.departures()).toHaveLength(1);
    expect(core.media.callsOf('removeParticipant')).toHaveLength(1);
  });

  describe('connection lost', () => {
    it("frees everything like a leave, with reason 'dropped' and no reply", async () => {
      const core = await threeInRoom();
      await core.leaveRoom.connectionLost('conn-alice');
      expect(core.registry.room('room-1')?.has('alice')).toBe(false);
      expect(core.media.callsOf('removeParticipant').map((c) => c.userId)).toEqual(['alice']);
      expect((await core.store.getRoom('room-1'))?.members.map((m) => m.userId)).toEqual(['bob', 'carol']);
      expect(core.clients.ofType('conn-bob', 'participantLeft')).toEqual([{ type: 'participantLeft', userId: 'alice' }]);
      expect(core.clients.to('conn-alice')).toEqual([]);
      expect(core.presence.departures().map((d) => [d.userId, d.reason])).toEqual([['alice', 'dropped']]);
    });

    it('the last drop frees the room', async () => {
      const core = new CoreHarness();
      await core.join('alice');
      await core.leaveRoom.connectionLost('conn-alice');
      expect(await core.traces('room-1')).toEqual(NO_TRACES);
      expect(core.media.callsOf('closeSession')).toHaveLength(1);
    });

    it('is a quiet no-op for a connection that never joined', async () => {
      const core = await threeInRoom();
      await expect(core.leaveRoom.connectionLost('never-joined')).resolves.toBe(false); // no seat held
      expect(core.clients.sent).toEqual([]);
      expect(core.presence.departures()).toEqual([]);
    });

    it('a leave and a drop of the same connection at once depart it once', async () => {
      const core = await threeInRoom();
      const results = await Promise.allSettled([
        core.leaveRoom.execute({ connectionId: 'conn-bob' }),
        core.leaveRoom.connectionLost('conn-bob'),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
      expect(core.presence.departures()).toHaveLength(1);
      expect(core.clients.ofType('conn-alice', 'participantLeft')).toHaveLength(1);
    });
  });

  describe('remove (for operators and other use cases)', () => {
    it('departs with the given reason and says whether anyone was removed', async () => {
      const core = await threeInRoom();
      await expect(core.leaveRoom.remove('conn-carol', 'kicked')).resolves.toBe(true);
      await expect(core.leaveRoom.remove('conn-carol', 'kicked')).resolves.toBe(false);
      expect(core.presence.departures().map((d) => d.reason)).toEqual(['kicked']);
    });
  });

  describe('when a backend fails during the departure', () => {
    it('a media removeParticipant failure is logged and the departure still completes', async () => {
      const core = await threeInRoom();
      core.media.failNext('removeParticipant', new Error('kms gone'));
      await core.leaveRoom.execute({ connectionId: 'conn-bob' });
      expect(core.registry.room('room-1')?.has('bob')).toBe(false);
      expect((await core.store.getRoom('room-1'))?.members.map((m) => m.userId)).toEqual(['alice', 'carol']);
      expect(core.clients.ofType('conn-alice', 'participantLeft')).toHaveLength(1);
      expect(core.presence.departures()).toHaveLength(1);
      expect(core.logger.at('warn').map((e) => e.message)).toContain('media backend failed to free a participant');
    });

    it('a store recordLeave failure is logged and the departure still completes', async () => {
      const core = await threeInRoom();
      core.store.failNext('recordLeave', new Error('redis down'));
      await core.leaveRoom.execute({ connectionId: 'conn-bob' });
      expect(core.registry.room('room-1')?.has('bob')).toBe(false);
      expect(core.media.callsOf('removeParticipant')).toHaveLength(1);
      expect(core.clients.ofType('conn-carol', 'participantLeft')).toHaveLength(1);
      expect(core.logger.at('warn').length).toBeGreaterThan(0);
    });

    it('a failing closeSession or placement release on the last leave is logged; the room is still gone here', async () => {
      const core = new CoreHarness();
      await core.join('alice');
      core.media.failNext('closeSession', new Error('already gone'));
      await core.leaveRoom.execute({ connectionId: 'conn-alice' });
      expect(core.registry.roomCount).toBe(0);
      expect(core.placement.releases).toEqual(['room-1']);
      expect(await core.store.getRoom('room-1')).toBeUndefined();
      expect(core.logger.at('warn').map((e) => e.message)).toContain('room close step failed');
    });
  });

  it('a new join after the room closed opens a new session', async () => {
    const core = new CoreHarness();
    await core.join('alice');
    const first = core.media.sessionOf('room-1')!.ref;
    await core.leaveRoom.execute({ connectionId: 'conn-alice' });
    await core.join('alice');
    expect(core.media.sessionOf('room-1')?.ref).not.toBe(first);
    expect(core.media.callsOf('openSession')).toHaveLength(2);
  });
});
