import { ReportLostRoom, type DepartedRoom } from '../../../src/application';
import { CoreHarness } from '../../support/fakes';

const REMOVED_AT = 1_700_000_123_456;

const lostRoom: DepartedRoom = {
  record: {
    roomId: 'room-9',
    communityId: 'guild-1',
    nodeId: 'node-dead',
    members: [
      { userId: 'alice', connectionId: 'c-a', audio: true, video: true, joinedAt: 1 },
      { userId: 'bob', connectionId: 'c-b', audio: true, video: false, joinedAt: 2 },
    ],
  },
  at: REMOVED_AT,
};

describe('ReportLostRoom', () => {
  it('reports every member of a dead node’s room as departed, reason nodeLost, at the store’s time of the removal', () => {
    const core = new CoreHarness();
    core.clock.advance(5_000);

    core.get(ReportLostRoom).execute(lostRoom);

    // Not this node's clock: the store's time orders the departure before a rejoin stamped by the store.
    expect(core.presence.departures()).toEqual([
      { type: 'participantDeparted', roomId: 'room-9', communityId: 'guild-1', userId: 'alice', reason: 'nodeLost', at: REMOVED_AT },
      { type: 'participantDeparted', roomId: 'room-9', communityId: 'guild-1', userId: 'bob', reason: 'nodeLost', at: REMOVED_AT },
    ]);
    expect(core.logger.at('warn').map((entry) => entry.fields)).toContainEqual(
      expect.objectContaining({ roomId: 'room-9', deadNode: 'node-dead', members: 2 }),
    );
  });

  it('touches nothing this node holds: no room, no client, no media call', () => {
    const core = new CoreHarness();
    core.get(ReportLostRoom).execute(lostRoom);
    expect(core.registry.roomCount).toBe(0);
    expect(core.clients.sent).toHaveLength(0);
    expect(core.media.calls).toHaveLength(0);
  });
});
