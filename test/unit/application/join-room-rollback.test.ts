import { SignalingError } from '../../../src/domain';
import { CoreHarness, NO_TRACES, signalingRejection } from '../../support/fakes';

/** A failed join must leave the node exactly as it was, and tell the client why in a typed error. */
describe('JoinRoom rollback', () => {
  describe('media addParticipant fails', () => {
    it('in a new room: the session is closed, the placement released, nothing recorded', async () => {
      const core = new CoreHarness();
      core.media.failNext('addParticipant', new Error('endpoint creation failed'));

      const error = await signalingRejection(core.join('alice'));

      expect(error.code).toBe('mediaBackendError');
      expect(error.message).toContain('endpoint creation failed');
      const opened = core.media.callsOf('openSession');
      expect(opened).toHaveLength(1);
      expect(core.media.callsOf('closeSession')).toHaveLength(1);
      expect(core.media.sessions.size).toBe(0);
      expect(await core.traces('room-1')).toEqual(NO_TRACES);
      expect(core.placement.releases).toEqual(['room-1']);
      expect(core.store.callsOf('recordJoin')).toEqual([]);
      expect(core.registry.membership('conn-alice')).toBeUndefined();
      expect(core.registry.participantCount).toBe(0);
      expect(core.clients.ofType('conn-alice', 'joined')).toEqual([]);
      expect(core.presence.arrivals()).toEqual([]);
    });

    it('keeps a typed backend refusal as it is', async () => {
      const core = new CoreHarness();
      core.media.failNext('addParticipant', new SignalingError('mediaServerUnavailable', 'no KMS'));
      const error = await signalingRejection(core.join('alice'));
      expect(error.code).toBe('mediaServerUnavailable');
      expect(await core.traces('room-1')).toEqual(NO_TRACES);
    });

    it('in a room with others: they and the session stay, the joiner is not there', async () => {
      const core = new CoreHarness();
      await core.join('bob');
      const ref = core.media.sessionOf('room-1')!.ref;
      core.clients.clear();
      core.media.failNext('addParticipant', new Error('boom'));

      await expect(core.join('alice')).rejects.toMatchObject({ code: 'mediaBackendError' });

      expect(core.media.callsOf('closeSession')).toEqual([]);
      expect(core.media.usersIn(ref)).toEqual(['bob']);
      expect(core.registry.room('room-1')?.participants().map((p) => p.userId)).toEqual(['bob']);
      expect(core.registry.membership('conn-alice')).toBeUndefined();
      expect((await core.store.getRoom('room-1'))?.members.map((m) => m.userId)).toEqual(['bob']);
      expect(core.placement.held.has('room-1')).toBe(true);
      expect(core.clients.sent).toEqual([]);
    });

    it('the room works normally afterwards', async () => {
      const core = new CoreHarness();
      core.media.failNext('addParticipant', new Error('boom'));
      await expect(core.join('alice')).rejects.toBeInstanceOf(SignalingError);
      await core.join('alice');
      expect(core.media.callsOf('openSession')).toHaveLength(2);
      expect(core.media.sessions.size).toBe(1);
      expect(core.registry.room('room-1')?.has('alice')).toBe(true);
    });
  });

  describe("the store's recordJoin fails", () => {
    it('in a new room: the media participant is removed, the session closed, nothing left anywhere', async () => {
      const core = new CoreHarness();
      core.store.failNext('recordJoin', new Error('ECONNREFUSED'));

      const error = await signalingRejection(core.join('alice', 'room-1', { requestId: 'j1' }));

      expect(error.code).toBe('stateStoreUnavailable');
      expect(core.media.callsOf('openSession')).toHaveLength(1);
      const ref = core.media.callsOf('addParticipant')[0]?.ref;
      expect(ref).toBeDefined();
      expect(core.media.callsOf('removeParticipant')).toEqual([{ method: 'removeParticipant', roomId: 'room-1', ref, userId: 'alice' }]);
      expect(core.media.callsOf('closeSession')).toEqual([{ method: 'closeSession', roomId: 'room-1', ref }]);
      expect(await core.traces('room-1')).toEqual(NO_TRACES);
      expect(core.placement.releases).toEqual(['room-1']);
      expect(core.registry.participantCount).toBe(0);
      expect(core.clients.sent).toEqual([]);
      expect(core.presence.events).toEqual([]);
    });

    it('keeps a typed store refusal as it is', async () => {
      const core = new CoreHarness();
      core.store.failNext('recordJoin', new SignalingError('stateStoreUnavailable', 'redis down', { retryAfterMs: 100 }));
      const error = await signalingRejection(core.join('alice'));
      expect(error.code).toBe('stateStoreUnavailable');
      expect(error.details).toEqual({ retryAfterMs: 100 });
    });

    it('in a room with others: only the joiner is undone', async () => {
      const core = new CoreHarness();
      await core.join('bob');
      const ref = core.media.sessionOf('room-1')!.ref;
      core.store.failNext('recordJoin', new Error('timeout'));

      await expect(core.join('alice')).rejects.toMatchObject({ code: 'stateStoreUnavailable' });

      expect(core.media.usersIn(ref)).toEqual(['bob']);
      expect(core.media.callsOf('closeSession')).toEqual([]);
      expect(core.registry.room('room-1')?.participants().map((p) => p.userId)).toEqual(['bob']);
      expect(core.clients.ofType('conn-bob', 'participantJoined')).toEqual([]);
      expect((await core.store.getRoom('room-1'))?.members.map((m) => m.userId)).toEqual(['bob']);
    });

    it('a media removeParticipant that also fails during the undo does not hide the store error', async () => {
      const core = new CoreHarness();
      core.store.failNext('recordJoin', new Error('timeout'));
      core.media.failNext('removeParticipant', new Error('also broken'));
      await expect(core.join('alice')).rejects.toMatchObject({ code: 'stateStoreUnavailable' });
      expect(core.media.sessions.size).toBe(0);
      expect(await core.traces('room-1')).toEqual(NO_TRACES);
    });

    it('close steps that fail during the undo are logged, not thrown', async () => {
      const core = new CoreHarness();
      core.store.failNext('recordJoin', new Error('timeout'));
      core.store.failNext('recordRoomClosed', new Error('still down'));
      await expect(core.join('alice')).rejects.toMatchObject({ code: 'stateStoreUnavailable' });
      expect(core.logger.at('warn').map((e) => e.message)).toContain('room close step failed');
      expect(core.registry.roomCount).toBe(0);
      expect(core.media.sessions.size).toBe(0);
    });
  });

  describe('openSession fails', () => {
    it('the client gets the typed error and no room, member or session exists', async () => {
      const core = new CoreHarness();
      core.media.failNext('openSession', new SignalingError('mediaServerUnavailable', 'no media server'));

      const error = await signalingRejection(core.join('alice'));

      expect(error.code).toBe('mediaServerUnavailable');
      expect(core.registry.roomCount).toBe(0);
      expect(core.registry.participantCount).toBe(0);
      expect(core.media.sessions.size).toBe(0);
      expect(core.media.callsOf('addParticipant')).toEqual([]);
      expect(core.store.calls).toEqual([]);
      expect(core.clients.sent).toEqual([]);
      expect(core.presence.events).toEqual([]);
      expect(core.placement.claims).toEqual(['room-1']);
      expect(core.placement.releases).toEqual(['room-1']);
      expect(core.placement.held.size).toBe(0);
    });

    it('in a room that already has members, the placement stays', async () => {
      const core = new CoreHarness();
      await core.join('bob');
      const ref = core.media.sessionOf('room-1')!.ref;
      core.media.failNext('addParticipant', new Error('boom'));
      await expect(core.join('alice')).rejects.toMatchObject({ code: 'mediaBackendError' });
      expect(core.media.usersIn(ref)).toEqual(['bob']);
      expect(core.placement.held.has('room-1')).toBe(true);
    });

    it('an untyped failure becomes mediaBackendError, and a retry opens a fresh session', async () => {
      const core = new CoreHarness();
      core.media.failNext('openSession', new Error('ws closed'));
      await expect(core.join('alice')).rejects.toMatchObject({ code: 'mediaBackendError' });
      await core.join('alice');
      expect(core.media.sessions.size).toBe(1);
      expect(core.registry.room('room-1')?.mediaSession).toEqual(core.media.sessionOf('room-1'));
    });
  });
});
