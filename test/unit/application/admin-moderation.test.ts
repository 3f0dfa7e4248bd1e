import { AdminModeration } from '../../../src/application';
import { isSignalingError } from '../../../src/domain';
import { CoreHarness, NO_TRACES } from '../../support/fakes';

const setup = async (): Promise<{ core: CoreHarness; admin: AdminModeration }> => {
  const core = new CoreHarness();
  await core.join('alice', 'room-1');
  await core.join('bob', 'room-1');
  await core.join('carol', 'room-2');
  core.clients.clear();
  return { core, admin: core.get(AdminModeration) };
};

const codeOf = async (work: Promise<unknown>): Promise<string> => {
  try {
    await work;
  } catch (error) {
    if (isSignalingError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a SignalingError');
};

describe('AdminModeration', () => {
  it('lists the rooms of the node with their participants, sorted by room id', async () => {
    const { admin } = await setup();
    const rooms = admin.listRooms();
    expect(rooms.map((r) => [r.roomId, r.participants.map((p) => p.userId).sort()])).toEqual([
      ['room-1', ['alice', 'bob']],
      ['room-2', ['carol']],
    ]);
    expect(rooms[0]).toMatchObject({ communityId: 'c-1', capacity: 25 });
    expect(rooms[0]!.participants[0]).toEqual(expect.objectContaining({ audio: true, video: true, joinedAt: expect.any(Number) }));
  });

  it('kicks one participant: the client is told kicked, the room hears participantLeft, state is freed', async () => {
    const { core, admin } = await setup();
    await admin.kick('room-1', 'bob');
    expect(core.clients.disconnects).toEqual([
      { connectionId: 'conn-bob', code: 'kicked', message: 'removed by an operator', details: { roomId: 'room-1' } },
    ]);
    expect(core.clients.to('conn-alice')).toContainEqual({ type: 'participantLeft', userId: 'bob' });
    expect(core.registry.membership('conn-bob')).toBeUndefined();
    expect(core.registry.room('room-1')?.participants().map((p) => p.userId)).toEqual(['alice']);
    expect(core.presence.departures().map((d) => [d.userId, d.reason])).toEqual([['bob', 'kicked']]);
  });

  it('closing the last participant by kick closes the room', async () => {
    const { core, admin } = await setup();
    await admin.kick('room-2', 'carol');
    expect(await core.traces('room-2')).toEqual(NO_TRACES);
  });

  it('refuses to kick someone who is not there, and changes nothing', async () => {
    const { core, admin } = await setup();
    expect(await codeOf(admin.kick('room-1', 'carol'))).toBe('notInRoom');
    expect(await codeOf(admin.kick('nowhere', 'alice'))).toBe('notInRoom');
    expect(core.clients.disconnects).toEqual([]);
    expect(core.clients.sent).toEqual([]);
    expect(core.registry.participantCount).toBe(3);
  });

  it('closes a room: everyone is told kicked, every trace of the room is gone, other rooms stay', async () => {
    const { core, admin } = await setup();
    await expect(admin.closeRoom('room-1')).resolves.toBe(2);
    expect(core.clients.disconnects.map((d) => [d.connectionId, d.code, d.details?.roomClosed]).sort()).toEqual([
      ['conn-alice', 'kicked', true],
      ['conn-bob', 'kicked', true],
    ]);
    expect(await core.traces('room-1')).toEqual(NO_TRACES);
    expect(core.presence.departures().map((d) => d.reason)).toEqual(['roomClosed', 'roomClosed']);
    expect(core.registry.room('room-2')?.size).toBe(1);
    expect(core.registry.participantCount).toBe(1);
  });

  it('refuses to close a room that is not open here', async () => {
    const { admin } = await setup();
    expect(await codeOf(admin.closeRoom('room-9'))).toBe('notInRoom');
  });
});
