import { PUBLISH, subscribeTo } from '../../../src/domain';
import type { DepartedRoom } from '../../../src/application';
import { CoreHarness, SFU_CAPABILITIES, flushPromises, signalingRejection } from '../../support/fakes';

const NEW_HOST = { nodeId: 'node-b', nodeUrl: 'ws://node-b:8080/rtc/websocket' };

/** alice and bob in room-1, told nothing yet. */
const twoInRoom = async (): Promise<CoreHarness> => {
  const core = new CoreHarness({ capabilities: SFU_CAPABILITIES });
  await core.join('alice');
  await core.join('bob');
  core.clients.clear();
  core.presence.events.length = 0;
  return core;
};

const candidate = { candidate: 'candidate:1 1 udp 1 10.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 };

describe('RoomHolds: a node serves a room only while it holds it', () => {
  it('a request in a room whose hold is in doubt waits for the check, and goes through when the room is still held', async () => {
    const core = await twoInRoom();
    core.placement.doubtHold('room-1', { held: true });

    await core.addIceCandidate.execute({ connectionId: 'conn-alice', link: PUBLISH, candidate });
    await core.negotiate.offer({ connectionId: 'conn-bob', link: PUBLISH, sdp: 'v=0' });
    await core.setMediaState.execute({ connectionId: 'conn-bob', userId: 'bob', kind: 'audio', enabled: false });

    expect(core.placement.holdChecks).toEqual(['room-1']);
    expect(core.media.callsOf('addIceCandidate')).toHaveLength(1);
    expect(core.media.callsOf('offer')).toHaveLength(1);
    expect(core.clients.disconnects).toEqual([]);
    expect(core.registry.room('room-1')?.size).toBe(2);
  });

  it('a room another node took is given up: every member told roomMoved with the new host, closed, media released, the request refused', async () => {
    const core = await twoInRoom();
    const session = core.media.sessionOf('room-1')!;
    core.placement.doubtHold('room-1', { held: false, host: NEW_HOST });

    const refused = await signalingRejection(
      core.negotiate.offer({ connectionId: 'conn-alice', link: subscribeTo('bob'), sdp: 'v=0', requestId: 'r1' }),
    );

    expect(refused.code).toBe('roomMoved');
    expect(refused.details).toEqual({ roomId: 'room-1', ...NEW_HOST });
    // Nothing reached the media backend for the refused request, and nothing was relayed to bob.
    expect(core.media.callsOf('offer')).toEqual([]);
    expect(core.clients.sent).toEqual([]);
    expect(core.clients.disconnects).toEqual(
      ['conn-alice', 'conn-bob'].map((connectionId) => ({
        connectionId,
        code: 'roomMoved',
        message: expect.stringContaining('node-b'),
        details: { roomId: 'room-1', ...NEW_HOST },
      })),
    );
    expect(core.registry.room('room-1')).toBeUndefined();
    expect(core.registry.membership('conn-alice')).toBeUndefined();
    expect(core.registry.membership('conn-bob')).toBeUndefined();
    expect(core.media.callsOf('closeSession')).toEqual([{ method: 'closeSession', roomId: 'room-1', ref: session.ref }]);
    expect(core.store.callsOf('recordRoomAbandoned')).toEqual([{ method: 'recordRoomAbandoned', roomId: 'room-1' }]);
    // The room is not this node's to release, and whoever replaced its record reported its members.
    expect(core.placement.releases).toEqual([]);
    expect(core.presence.events).toEqual([]);
    // A member whose connection then closes is no longer anyone here: nothing more happens.
    await core.leaveRoom.connectionLost('conn-bob');
    expect(core.presence.events).toEqual([]);
  });

  it('reports the members of its own record when it was the one that removed it (nobody replaced it yet), at the store’s time', async () => {
    const core = await twoInRoom();
    core.store.abandonedStillOurs = true;
    core.clock.advance(1_000);
    core.placement.doubtHold('room-1', { held: false, host: NEW_HOST });

    await signalingRejection(core.setMediaState.execute({ connectionId: 'conn-bob', userId: 'bob', kind: 'video', enabled: false }));

    expect(core.presence.departures()).toEqual(
      ['alice', 'bob'].map((userId) => ({
        type: 'participantDeparted',
        roomId: 'room-1',
        communityId: 'c-1',
        userId,
        reason: 'roomMoved',
        at: core.clock.now(),
      })),
    );
  });

  it('a burst of requests after a pause asks once, and every one of them is refused', async () => {
    const core = await twoInRoom();
    core.placement.doubtHold('room-1', { held: false, host: NEW_HOST });

    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        signalingRejection(core.addIceCandidate.execute({ connectionId: i % 2 ? 'conn-alice' : 'conn-bob', link: PUBLISH, candidate })),
      ),
    );

    expect(new Set(outcomes.map((e) => e.code))).toEqual(new Set(['roomMoved']));
    expect(core.placement.holdChecks).toEqual(['room-1']);
    expect(core.media.callsOf('addIceCandidate')).toEqual([]);
    expect(core.clients.disconnects.map((d) => d.connectionId).sort()).toEqual(['conn-alice', 'conn-bob']);
  });

  it('gives a room up when the adapter finds it taken by itself (a heartbeat, a refused write), with no request involved', async () => {
    const core = await twoInRoom();
    core.placement.loseHold('room-1', NEW_HOST);
    await flushPromises();
    expect(core.registry.room('room-1')).toBeUndefined();
    expect(core.clients.disconnects.map((d) => [d.connectionId, d.code, d.details?.nodeUrl])).toEqual([
      ['conn-alice', 'roomMoved', NEW_HOST.nodeUrl],
      ['conn-bob', 'roomMoved', NEW_HOST.nodeUrl],
    ]);
  });

  it('a join into a room given up is placed afresh: here it is sent to the node that holds the room now', async () => {
    const core = await twoInRoom();
    core.placement.doubtHold('room-1', { held: false, host: NEW_HOST });
    core.placement.hostElsewhere('room-1', NEW_HOST.nodeId, NEW_HOST.nodeUrl);

    const refused = await signalingRejection(core.join('carol'));

    expect(refused.code).toBe('wrongNode');
    expect(refused.details).toEqual(NEW_HOST);
    expect(core.clients.disconnects.map((d) => d.connectionId)).toEqual(['conn-alice', 'conn-bob']);
    expect(core.registry.room('room-1')).toBeUndefined();
  });

  it('a departure whose record another node took over is not reported to presence again', async () => {
    const core = await twoInRoom();
    core.store.nextLeaveOutcome('notHeld');
    await core.leaveRoom.execute({ connectionId: 'conn-bob' });
    expect(core.presence.events).toEqual([]);
    expect(core.clients.to('conn-alice')).toEqual([{ type: 'participantLeft', userId: 'bob' }]);
    // A departure the store could not write yet is still reported: it happened.
    core.store.nextLeaveOutcome('deferred');
    await core.leaveRoom.execute({ connectionId: 'conn-alice' });
    expect(core.presence.departures().map((e) => e.userId)).toEqual(['alice']);
  });

  it('a join that replaced a dead host’s record reports those members gone before the arrival, each at the store’s time', async () => {
    const core = new CoreHarness();
    const replaced: DepartedRoom = {
      record: {
        roomId: 'room-1',
        communityId: 'c-1',
        nodeId: 'node-dead',
        members: [
          { userId: 'alice', connectionId: 'old-a', audio: true, video: true, joinedAt: 1 },
          { userId: 'zoe', connectionId: 'old-z', audio: true, video: true, joinedAt: 2 },
        ],
      },
      at: core.clock.now() - 5,
    };
    core.store.replaceOnNextJoin(replaced);

    await core.join('alice');

    expect(core.presence.events.map((e) => [e.type, e.userId, e.at])).toEqual([
      ['participantDeparted', 'alice', replaced.at],
      ['participantDeparted', 'zoe', replaced.at],
      ['participantJoined', 'alice', core.clock.now()],
    ]);
    expect(core.presence.departures().map((e) => e.type === 'participantDeparted' && e.reason)).toEqual(['nodeLost', 'nodeLost']);
  });
});
