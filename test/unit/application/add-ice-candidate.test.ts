import { PUBLISH, SignalingError, subscribeTo, upstreamTo } from '../../../src/domain';
import { CoreHarness, MESH_CAPABILITIES, SFU_CAPABILITIES, flushPromises, signalingRejection } from '../../support/fakes';

const candidate = { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };

const roomOf = async (capabilities = SFU_CAPABILITIES): Promise<CoreHarness> => {
  const core = new CoreHarness({ capabilities });
  await core.join('alice');
  await core.join('bob');
  return core;
};

describe('AddIceCandidate', () => {
  it("passes the candidate on for the sender's own link, in the sender's session", async () => {
    const core = await roomOf();
    const ref = core.media.sessionOf('room-1')!.ref;
    await core.addIceCandidate.execute({ connectionId: 'conn-alice', link: PUBLISH, candidate });
    await core.addIceCandidate.execute({ connectionId: 'conn-bob', link: subscribeTo('alice'), candidate });
    expect(core.media.callsOf('addIceCandidate')).toEqual([
      { method: 'addIceCandidate', roomId: 'room-1', ref, userId: 'alice', link: PUBLISH, candidate },
      { method: 'addIceCandidate', roomId: 'room-1', ref, userId: 'bob', link: subscribeTo('alice'), candidate },
    ]);
  });

  it('routes by connection to the right room', async () => {
    const core = await roomOf();
    await core.join('dave', 'room-2');
    await core.addIceCandidate.execute({ connectionId: 'conn-dave', link: PUBLISH, candidate });
    expect(core.media.callsOf('addIceCandidate')).toEqual([
      expect.objectContaining({ roomId: 'room-2', ref: core.media.sessionOf('room-2')!.ref, userId: 'dave' }),
    ]);
  });

  it('a link to someone not in the room is unknownUser', async () => {
    const core = await roomOf();
    await expect(core.addIceCandidate.execute({ connectionId: 'conn-alice', link: subscribeTo('ghost'), candidate })).rejects.toMatchObject({
      code: 'unknownUser',
    });
    expect(core.media.callsOf('addIceCandidate')).toEqual([]);
  });

  it('a connection in no room is notInRoom', async () => {
    const core = await roomOf();
    await expect(core.addIceCandidate.execute({ connectionId: 'stranger', link: PUBLISH, candidate })).rejects.toMatchObject({
      code: 'notInRoom',
    });
  });

  it('an upstream link is unsupportedFlow without a mesh, and passed on with one', async () => {
    const sfu = await roomOf();
    await expect(sfu.addIceCandidate.execute({ connectionId: 'conn-alice', link: upstreamTo('bob'), candidate })).rejects.toMatchObject({
      code: 'unsupportedFlow',
    });
    expect(sfu.media.callsOf('addIceCandidate')).toEqual([]);

    const mesh = await roomOf(MESH_CAPABILITIES);
    await mesh.addIceCandidate.execute({ connectionId: 'conn-alice', link: upstreamTo('bob'), candidate });
    expect(mesh.media.callsOf('addIceCandidate')).toHaveLength(1);
  });

  it('maps backend failures: untyped → mediaBackendError, typed kept', async () => {
    const core = await roomOf();
    core.media.failNext('addIceCandidate', new Error('no endpoint'));
    core.media.failNext('addIceCandidate', new SignalingError('mediaServerUnavailable', 'down'));
    expect((await signalingRejection(core.addIceCandidate.execute({ connectionId: 'conn-alice', link: PUBLISH, candidate }))).code).toBe(
      'mediaBackendError',
    );
    expect((await signalingRejection(core.addIceCandidate.execute({ connectionId: 'conn-alice', link: PUBLISH, candidate }))).code).toBe(
      'mediaServerUnavailable',
    );
  });

  it('does not wait for the room lock', async () => {
    const core = await roomOf();
    const gate = core.media.hold('removeParticipant');
    const leaving = core.leaveRoom.execute({ connectionId: 'conn-bob' });
    await flushPromises();
    await core.addIceCandidate.execute({ connectionId: 'conn-alice', link: PUBLISH, candidate });
    expect(core.media.callsOf('addIceCandidate')).toHaveLength(1);
    gate.resolve();
    await leaving;
  });
});
