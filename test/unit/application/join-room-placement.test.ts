import { CoreHarness, signalingRejection } from '../../support/fakes';

/** The placement claim and the last leave of a room must not interleave: a room always has an owner while it has members. */
describe('JoinRoom placement', () => {
  it('a join racing the last leave of its room leaves the room claimed by this node', async () => {
    const core = new CoreHarness();
    await core.join('bob');
    const removing = core.media.hold('removeParticipant');

    const leaving = core.leaveRoom.execute({ connectionId: 'conn-bob' });
    // Let the leave take the room's lock and free the leaver's media, then join while that is held.
    await new Promise((resolve) => setImmediate(resolve));
    const joining = core.join('alice');
    await new Promise((resolve) => setImmediate(resolve));
    removing.resolve();
    await Promise.all([leaving, joining]);

    expect(core.registry.room('room-1')?.participants().map((p) => p.userId)).toEqual(['alice']);
    expect(core.placement.held.has('room-1')).toBe(true);
    // The second claim came after the release, not before it.
    expect(core.placement.releases).toEqual(['room-1']);
    expect(core.placement.claims).toEqual(['room-1', 'room-1']);
  });

  it('a node at its room limit refuses a new room with nodeFull and still admits to rooms it hosts', async () => {
    const core = new CoreHarness({ maxRoomsPerNode: 1 });
    await core.join('bob', 'room-1');

    const error = await signalingRejection(core.join('carol', 'room-2'));
    expect(error.code).toBe('nodeFull');
    expect(error.details).toEqual({ limit: 1 });
    expect(core.placement.claims).toEqual(['room-1']);

    await core.join('alice', 'room-1');
    expect(core.registry.room('room-1')?.size).toBe(2);
  });

  it('a room freed by its last leave makes room for a new one under the limit', async () => {
    const core = new CoreHarness({ maxRoomsPerNode: 1 });
    await core.join('bob', 'room-1');
    await core.leaveRoom.execute({ connectionId: 'conn-bob' });
    await core.join('carol', 'room-2');
    expect(core.registry.roomCount).toBe(1);
  });
});
