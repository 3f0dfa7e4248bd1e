import type { MediaSignal } from '../../../src/application';
import { PUBLISH, subscribeTo, upstreamTo } from '../../../src/domain';
import { CoreHarness, MESH_CAPABILITIES } from '../../support/fakes';

/** Waits until whatever the relay started under the room's lock has finished. */
const settled = (core: CoreHarness, roomId: string): Promise<void> => core.locks.run(roomId, async () => undefined);

const threeInRoom = async (): Promise<CoreHarness> => {
  const core = new CoreHarness();
  await core.join('alice');
  await core.join('bob');
  await core.join('carol');
  await core.join('dave', 'room-2');
  core.clients.clear();
  return core;
};

describe('RelayMediaEvents', () => {
  describe('published media', () => {
    it('tells everyone else in the room (not the publisher, not other rooms) participantPublished', async () => {
      const core = await threeInRoom();
      core.media.emit({ type: 'published', roomId: 'room-1', userId: 'alice' });
      expect(core.clients.sent).toEqual([
        { connectionId: 'conn-bob', message: { type: 'participantPublished', userId: 'alice' } },
        { connectionId: 'conn-carol', message: { type: 'participantPublished', userId: 'alice' } },
      ]);
    });

    it('says nothing for a publisher who already left', async () => {
      const core = await threeInRoom();
      core.media.emit({ type: 'published', roomId: 'room-1', userId: 'zoe' });
      core.media.emit({ type: 'published', roomId: 'no-such-room', userId: 'alice' });
      expect(core.clients.sent).toEqual([]);
    });
  });

  describe('a failed link', () => {
    it("tells only the link's owner, with an error that is no reply (no requestId) naming the link as its requests do", async () => {
      const core = await threeInRoom();
      core.media.emit({ type: 'linkFailed', roomId: 'room-1', to: 'bob', link: subscribeTo('alice'), reason: 'gathering failed' });
      core.media.emit({ type: 'linkFailed', roomId: 'room-1', to: 'carol', link: PUBLISH, reason: 'gathering failed' });
      expect(core.clients.sent).toEqual([
        {
          connectionId: 'conn-bob',
          message: { type: 'error', code: 'mediaBackendError', message: expect.stringContaining('gathering failed'), details: { roomId: 'room-1', userId: 'alice', link: 'subscribe' } },
        },
        {
          connectionId: 'conn-carol',
          message: { type: 'error', code: 'mediaBackendError', message: expect.stringContaining('gathering failed'), details: { roomId: 'room-1', userId: 'carol', link: 'publish' } },
        },
      ]);
    });

    it('says nothing to someone who already left', async () => {
      const core = await threeInRoom();
      core.media.emit({ type: 'linkFailed', roomId: 'room-1', to: 'ghost', link: PUBLISH, reason: 'x' });
      core.media.emit({ type: 'linkFailed', roomId: 'no-room', to: 'alice', link: PUBLISH, reason: 'x' });
      expect(core.clients.sent).toEqual([]);
    });
  });

  describe('signals', () => {
    it('delivers each signal to the connection of the participant it is for', async () => {
      const core = await threeInRoom();
      const answer: MediaSignal = { type: 'answer', roomId: 'room-1', to: 'bob', link: PUBLISH, sdp: 'answer-sdp', requestId: 'r' };
      const candidate: MediaSignal = {
        type: 'candidate',
        roomId: 'room-1',
        to: 'carol',
        link: subscribeTo('alice'),
        candidate: { candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0 },
      };
      core.media.emit(answer);
      core.media.emit(candidate);
      expect(core.clients.sent).toEqual([
        { connectionId: 'conn-bob', message: { type: 'signal', signal: answer } },
        { connectionId: 'conn-carol', message: { type: 'signal', signal: candidate } },
      ]);
    });

    it('follows a takeover to the new connection', async () => {
      const core = await threeInRoom();
      await core.join('bob', 'room-1', { connectionId: 'conn-bob-2' });
      core.clients.clear();
      const offer: MediaSignal = { type: 'offer', roomId: 'room-1', to: 'bob', link: subscribeTo('alice'), sdp: 'o' };
      core.media.emit(offer);
      expect(core.clients.sent).toEqual([{ connectionId: 'conn-bob-2', message: { type: 'signal', signal: offer } }]);
    });

    it('relays mesh offer requests like any other signal', async () => {
      const core = new CoreHarness({ capabilities: MESH_CAPABILITIES });
      await core.join('alice');
      await core.join('bob');
      core.clients.clear();
      const request: MediaSignal = { type: 'offerRequest', roomId: 'room-1', to: 'alice', link: upstreamTo('bob') };
      core.media.emit(request);
      expect(core.clients.to('conn-alice')).toEqual([{ type: 'signal', signal: request }]);
    });

    it('drops signals for someone who is gone, in a room that is gone, or for a user of another room', async () => {
      const core = await threeInRoom();
      core.media.emit({ type: 'answer', roomId: 'room-1', to: 'ghost', link: PUBLISH, sdp: 's' });
      core.media.emit({ type: 'answer', roomId: 'no-room', to: 'alice', link: PUBLISH, sdp: 's' });
      core.media.emit({ type: 'answer', roomId: 'room-1', to: 'dave', link: PUBLISH, sdp: 's' });
      expect(core.clients.sent).toEqual([]);
      expect(core.logger.at('debug').filter((e) => e.message === 'media signal for a participant who is gone')).toHaveLength(3);
    });
  });

  describe('session lost', () => {
    it('evicts everyone with mediaServerUnavailable and frees the room, without asking the dead backend', async () => {
      const core = await threeInRoom();
      const ref = core.media.sessionOf('room-1')!.ref;
      core.clock.set(1_700_000_077_000);

      core.media.emit({ type: 'sessionLost', roomId: 'room-1', ref, reason: 'kms restarted' });
      await settled(core, 'room-1');

      for (const conn of ['conn-alice', 'conn-bob', 'conn-carol']) {
        expect(core.clients.ofType(conn, 'error')).toEqual([
          { type: 'error', code: 'mediaServerUnavailable', message: expect.stringContaining('kms restarted'), details: { roomId: 'room-1' } },
        ]);
        expect(core.registry.membership(conn)).toBeUndefined();
      }
      expect(core.registry.room('room-1')).toBeUndefined();
      expect(await core.store.getRoom('room-1')).toBeUndefined();
      expect(core.placement.releases).toEqual(['room-1']);
      expect(core.placement.held.has('room-1')).toBe(false);
      expect(core.media.callsOf('removeParticipant')).toEqual([]);
      expect(core.media.callsOf('closeSession')).toEqual([]);
      expect(core.presence.departures()).toEqual(
        // Stamped by the store, strictly increasing, so no two events of a room tie.
        ['alice', 'bob', 'carol'].map((userId, i) => ({
          type: 'participantDeparted',
          roomId: 'room-1',
          communityId: 'c-1',
          userId,
          reason: 'mediaLost',
          at: 1_700_000_077_000 + i,
        })),
      );
      expect(core.logger.at('warn').map((e) => e.message)).toContain('media session lost');
    });

    it('leaves other rooms alone', async () => {
      const core = await threeInRoom();
      core.media.emit({ type: 'sessionLost', roomId: 'room-1', ref: core.media.sessionOf('room-1')!.ref, reason: 'x' });
      await settled(core, 'room-1');
      expect(core.registry.room('room-2')?.has('dave')).toBe(true);
      expect(core.registry.membership('conn-dave')).toEqual({ roomId: 'room-2', userId: 'dave' });
      expect(core.clients.to('conn-dave')).toEqual([]);
      expect(await core.store.getRoom('room-2')).toBeDefined();
    });

    it('ignores the loss of a session the room no longer uses', async () => {
      const core = await threeInRoom();
      core.media.emit({ type: 'sessionLost', roomId: 'room-1', ref: 'some-old-ref', reason: 'x' });
      core.media.emit({ type: 'sessionLost', roomId: 'no-such-room', ref: 'r', reason: 'x' });
      await settled(core, 'room-1');
      await settled(core, 'no-such-room');
      expect(core.registry.room('room-1')?.size).toBe(3);
      expect(core.clients.sent).toEqual([]);
      expect(core.presence.departures()).toEqual([]);
    });

    it('a fresh join afterwards opens a new session', async () => {
      const core = await threeInRoom();
      const lost = core.media.sessionOf('room-1')!.ref;
      core.media.emit({ type: 'sessionLost', roomId: 'room-1', ref: lost, reason: 'x' });
      await settled(core, 'room-1');
      await core.join('alice');
      expect(core.registry.room('room-1')?.mediaSession?.ref).not.toBe(lost);
      expect(core.clients.ofType('conn-alice', 'joined')[0]?.others).toEqual([]);
    });

    it('a join waiting on the lock during the loss gets a working room with a new session', async () => {
      const core = await threeInRoom();
      const lost = core.media.sessionOf('room-1')!.ref;
      core.media.emit({ type: 'sessionLost', roomId: 'room-1', ref: lost, reason: 'x' });
      await core.join('erin');
      await settled(core, 'room-1');
      const room = core.registry.room('room-1');
      expect(room?.participants().map((p) => p.userId)).toEqual(['erin']);
      expect(room?.mediaSession).toBeDefined();
      expect(room?.mediaSession?.ref).not.toBe(lost);
    });
  });
});
