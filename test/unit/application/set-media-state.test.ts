import { CoreHarness, signalingRejection } from '../../support/fakes';

const twoInRoom = async (): Promise<CoreHarness> => {
  const core = new CoreHarness();
  await core.join('alice');
  await core.join('bob');
  core.clients.clear();
  return core;
};

describe('SetMediaState', () => {
  it('changes the sender’s state, records it and tells the whole room (requestId only to the sender, in the reply it returns)', async () => {
    const core = await twoInRoom();
    const reply = await core.setMediaState.execute({ connectionId: 'conn-alice', userId: 'alice', kind: 'video', enabled: false, requestId: 'v1' });

    expect(core.registry.room('room-1')?.find('alice')).toMatchObject({ audio: true, video: false });
    expect((await core.store.getRoom('room-1'))?.members.find((m) => m.userId === 'alice')).toMatchObject({ audio: true, video: false });
    // The sender's copy is the reply: returned for the websocket adapter to send, not sent by the core.
    expect(reply).toEqual({ type: 'mediaStateChanged', userId: 'alice', kind: 'video', enabled: false, requestId: 'v1' });
    expect(core.clients.to('conn-alice')).toEqual([]);
    expect(core.clients.to('conn-bob')).toEqual([
      { type: 'mediaStateChanged', userId: 'alice', kind: 'video', enabled: false, requestId: undefined },
    ]);
  });

  it('changes audio independently of video', async () => {
    const core = await twoInRoom();
    await core.setMediaState.execute({ connectionId: 'conn-bob', userId: 'bob', kind: 'audio', enabled: false });
    await core.setMediaState.execute({ connectionId: 'conn-bob', userId: 'bob', kind: 'video', enabled: false });
    await core.setMediaState.execute({ connectionId: 'conn-bob', userId: 'bob', kind: 'audio', enabled: true });
    expect(core.registry.room('room-1')?.find('bob')).toMatchObject({ audio: true, video: false });
    expect(core.clients.ofType('conn-alice', 'mediaStateChanged').map((m) => [m.kind, m.enabled])).toEqual([
      ['audio', false],
      ['video', false],
      ['audio', true],
    ]);
  });

  it('refuses to act for another user with forbidden, telling no one and recording nothing', async () => {
    const core = await twoInRoom();
    const error = await signalingRejection(
      core.setMediaState.execute({ connectionId: 'conn-alice', userId: 'bob', kind: 'audio', enabled: false }),
    );
    expect(error.code).toBe('forbidden');
    expect(core.registry.room('room-1')?.find('bob')?.audio).toBe(true);
    expect(core.store.callsOf('recordMediaState')).toEqual([]);
    expect(core.clients.sent).toEqual([]);
  });

  it('refuses a connection that is in no room with notInRoom', async () => {
    const core = await twoInRoom();
    const error = await signalingRejection(
      core.setMediaState.execute({ connectionId: 'stranger', userId: 'stranger', kind: 'audio', enabled: false }),
    );
    expect(error.code).toBe('notInRoom');
    expect(core.clients.sent).toEqual([]);
  });

  it('still tells the room when the store cannot record the change (logged)', async () => {
    const core = await twoInRoom();
    core.store.failNext('recordMediaState', new Error('redis down'));
    await core.setMediaState.execute({ connectionId: 'conn-alice', userId: 'alice', kind: 'audio', enabled: false });
    expect(core.clients.ofType('conn-bob', 'mediaStateChanged')).toHaveLength(1);
    expect(core.registry.room('room-1')?.find('alice')?.audio).toBe(false);
    expect(core.logger.at('warn').map((e) => e.message)).toContain('state store did not record a media state change');
  });

  it('a later joiner sees the changed state in its member list', async () => {
    const core = await twoInRoom();
    await core.setMediaState.execute({ connectionId: 'conn-bob', userId: 'bob', kind: 'video', enabled: false });
    await core.join('carol');
    expect(core.clients.ofType('conn-carol', 'joined')[0]?.others).toEqual([
      { userId: 'alice', audio: true, video: true },
      { userId: 'bob', audio: true, video: false },
    ]);
  });
});
