import type { VideoRoomHandle } from 'janode/plugins/videoroom';
import { PUBLISH, subscribeTo } from '../../../src/domain';
import { JanusRoom } from '../../../src/adapters/janus/janus-room';

const fakeHandle = (id: number): VideoRoomHandle => ({ id }) as unknown as VideoRoomHandle;

describe('JanusRoom bookkeeping', () => {
  it('finds the handle of each link and frees everything a participant owns or feeds', () => {
    const room = new JanusRoom('c-1', 42, '42', 1);
    const [a, b, ab, ba, cb] = [1, 2, 3, 4, 5].map(fakeHandle) as [VideoRoomHandle, VideoRoomHandle, VideoRoomHandle, VideoRoomHandle, VideoRoomHandle];
    room.publishers.set('alice', { handle: a, feed: 11 });
    room.publishers.set('bob', { handle: b, feed: 12 });
    room.subscribers.set('s\u0000alice\u0000bob', { handle: ab, publisher: 'bob' });
    room.subscribers.set('s\u0000bob\u0000alice', { handle: ba, publisher: 'alice' });
    room.subscribers.set('s\u0000carol\u0000bob', { handle: cb, publisher: 'bob' });

    expect(room.handleFor('alice', PUBLISH)).toBe(a);
    expect(room.handleFor('alice', subscribeTo('bob'))).toBe(ab);
    expect(room.handleFor('alice', subscribeTo('carol'))).toBeUndefined();

    expect(room.removeParticipant('bob').sort((x, y) => x.id - y.id)).toEqual([b, ab, ba, cb]);
    expect([...room.publishers.keys()]).toEqual(['alice']);
    expect(room.subscribers.size).toBe(0);
    expect(room.removeAll()).toEqual([a]);
  });

  it('holds early candidates per link, bounded, and hands them over once', () => {
    const room = new JanusRoom('c-1', 42, '42', 1);
    const candidate = { candidate: 'candidate:1 1 udp 1 127.0.0.1 1 typ host', sdpMid: '0', sdpMLineIndex: 0 };
    let held = 0;
    while (room.holdCandidate('alice', subscribeTo('bob'), candidate)) held += 1;
    expect(held).toBe(64);
    expect(room.takeCandidates('alice', PUBLISH)).toEqual([]);
    expect(room.takeCandidates('alice', subscribeTo('bob'))).toHaveLength(64);
    expect(room.takeCandidates('alice', subscribeTo('bob'))).toEqual([]);

    room.holdCandidate('carol', subscribeTo('bob'), candidate);
    room.removeParticipant('bob');
    expect(room.takeCandidates('carol', subscribeTo('bob'))).toEqual([]);
  });
});
