import { DEFAULT_ROOM_CAPACITY, Room, SignalingError, type ErrorCode } from '../../../src/domain';
import { participant } from './participant-fixture';

const codeOf = (fn: () => unknown): ErrorCode | undefined => {
  try {
    fn();
  } catch (error) {
    if (error instanceof SignalingError) return error.code;
    throw error;
  }
  return undefined;
};

describe('Room', () => {
  describe('construction', () => {
    it('defaults to a capacity of 25', () => {
      expect(DEFAULT_ROOM_CAPACITY).toBe(25);
      expect(new Room('r', 'c').capacity).toBe(25);
    });

    it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects capacity %p', (capacity) => {
      expect(() => new Room('r', 'c', capacity)).toThrow(RangeError);
    });

    it('starts empty, with no media', () => {
      const room = new Room('r', 'c');
      expect(room.size).toBe(0);
      expect(room.isEmpty).toBe(true);
      expect(room.participants()).toEqual([]);
      expect(room.mediaSession).toBeUndefined();
    });
  });

  describe('capacity', () => {
    it('admits exactly 25 by default and refuses the 26th with roomFull', () => {
      const room = new Room('r', 'c');
      for (let i = 1; i <= 25; i += 1) {
        expect(room.admit(participant(`u${i}`))).toEqual({ outcome: 'admitted' });
      }
      expect(room.size).toBe(25);
      let error: unknown;
      try {
        room.admit(participant('u26'));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SignalingError);
      expect((error as SignalingError).code).toBe('roomFull');
      expect((error as SignalingError).details).toEqual({ roomId: 'r', capacity: 25 });
      expect(room.size).toBe(25);
      expect(room.has('u26')).toBe(false);
    });

    it('enforces a custom capacity exactly', () => {
      const room = new Room('r', 'c', 2);
      room.admit(participant('a'));
      room.admit(participant('b'));
      expect(codeOf(() => room.assertCanAdmit('c'))).toBe('roomFull');
      expect(codeOf(() => room.admit(participant('c')))).toBe('roomFull');
    });

    it('lets a user who is already in back in when full, without counting twice', () => {
      const room = new Room('r', 'c', 2);
      room.admit(participant('a'));
      room.admit(participant('b'));
      expect(codeOf(() => room.assertCanAdmit('a'))).toBeUndefined();
      expect(room.admit(participant('a'))).toEqual({ outcome: 'admitted' });
      expect(room.admit(participant('a', 'conn-a2'))).toMatchObject({ outcome: 'replaced' });
      expect(room.size).toBe(2);
      expect(room.participants().map((p) => p.userId).sort()).toEqual(['a', 'b']);
    });

    it('frees a place when someone leaves', () => {
      const room = new Room('r', 'c', 1);
      room.admit(participant('a'));
      expect(codeOf(() => room.admit(participant('b')))).toBe('roomFull');
      room.remove('a', 'conn-a');
      expect(room.admit(participant('b'))).toEqual({ outcome: 'admitted' });
    });
  });

  describe('takeover', () => {
    it("returns 'replaced' with the previous participant when the same user joins from another connection", () => {
      const room = new Room('r', 'c');
      const first = participant('a', 'conn-1', { audio: false });
      room.admit(first);
      const admission = room.admit(participant('a', 'conn-2'));
      expect(admission).toEqual({ outcome: 'replaced', previous: first });
      expect(room.find('a')?.connectionId).toBe('conn-2');
      expect(room.size).toBe(1);
    });

    it("re-admitting from the same connection is 'admitted', not a takeover", () => {
      const room = new Room('r', 'c');
      room.admit(participant('a', 'conn-1'));
      expect(room.admit(participant('a', 'conn-1', { video: false }))).toEqual({ outcome: 'admitted' });
      expect(room.find('a')?.video).toBe(false);
    });

    it('moves the user that took over to the end of the join order', () => {
      const room = new Room('r', 'c');
      room.admit(participant('a'));
      room.admit(participant('b'));
      room.admit(participant('a', 'conn-a2'));
      expect(room.participants().map((p) => p.userId)).toEqual(['b', 'a']);
    });
  });

  describe('remove', () => {
    it('removes only with the connection id the user is reached through', () => {
      const room = new Room('r', 'c');
      room.admit(participant('a', 'conn-new'));
      expect(room.remove('a', 'conn-old')).toBeUndefined();
      expect(room.has('a')).toBe(true);
      const removed = room.remove('a', 'conn-new');
      expect(removed?.connectionId).toBe('conn-new');
      expect(room.has('a')).toBe(false);
      expect(room.isEmpty).toBe(true);
    });

    it('returns undefined for a stranger and changes nothing', () => {
      const room = new Room('r', 'c');
      room.admit(participant('a'));
      expect(room.remove('x', 'conn-x')).toBeUndefined();
      expect(room.size).toBe(1);
    });
  });

  describe('queries', () => {
    it('others() lists everyone but the user, in join order', () => {
      const room = new Room('r', 'c');
      for (const u of ['a', 'b', 'c']) room.admit(participant(u));
      expect(room.others('b').map((p) => p.userId)).toEqual(['a', 'c']);
      expect(room.others('nobody').map((p) => p.userId)).toEqual(['a', 'b', 'c']);
    });

    it('participants() is a copy: changing it does not change the room', () => {
      const room = new Room('r', 'c');
      room.admit(participant('a'));
      const list = room.participants() as unknown as unknown[];
      list.length = 0;
      expect(room.size).toBe(1);
    });

    it('find and has', () => {
      const room = new Room('r', 'c');
      room.admit(participant('a'));
      expect(room.has('a')).toBe(true);
      expect(room.find('a')?.userId).toBe('a');
      expect(room.has('b')).toBe(false);
      expect(room.find('b')).toBeUndefined();
    });
  });

  describe('changeMediaState', () => {
    it('lets a participant change its own state, keeping what was not named', () => {
      const room = new Room('r', 'c');
      room.admit(participant('a', 'conn-a', { audio: true, video: true, joinedAt: 42 }));
      const after = room.changeMediaState('a', 'a', { video: false });
      expect(after).toEqual({ userId: 'a', connectionId: 'conn-a', audio: true, video: false, joinedAt: 42 });
      expect(room.find('a')).toEqual(after);
      expect(room.changeMediaState('a', 'a', { audio: false })).toMatchObject({ audio: false, video: false });
    });

    it('refuses to let one participant change another with forbidden, changing nothing', () => {
      const room = new Room('r', 'c');
      room.admit(participant('a'));
      room.admit(participant('b'));
      expect(codeOf(() => room.changeMediaState('a', 'b', { audio: false }))).toBe('forbidden');
      expect(room.find('b')?.audio).toBe(true);
    });

    it('answers notInRoom to a stranger acting for itself', () => {
      const room = new Room('r', 'c');
      room.admit(participant('a'));
      expect(codeOf(() => room.changeMediaState('x', 'x', { audio: false }))).toBe('notInRoom');
      expect(room.has('x')).toBe(false);
    });

    it('answers forbidden to a stranger acting for a participant', () => {
      const room = new Room('r', 'c');
      room.admit(participant('a'));
      expect(codeOf(() => room.changeMediaState('x', 'a', { audio: false }))).toBe('forbidden');
    });
  });

  describe('requireParticipant', () => {
    it('returns the participant', () => {
      const room = new Room('r', 'c');
      room.admit(participant('a'));
      expect(room.requireParticipant('a').userId).toBe('a');
    });

    it('throws unknownUser with the user id otherwise', () => {
      const room = new Room('r', 'c');
      let error: unknown;
      try {
        room.requireParticipant('ghost');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SignalingError);
      expect((error as SignalingError).code).toBe('unknownUser');
      expect((error as SignalingError).details).toEqual({ userId: 'ghost' });
    });
  });

  describe('media session', () => {
    it('attaches a session of its own room and detaches it once', () => {
      const room = new Room('r', 'c');
      const session = { roomId: 'r', backend: 'x', ref: 'ref-1' };
      room.attachMedia(session);
      expect(room.mediaSession).toBe(session);
      expect(room.detachMedia()).toBe(session);
      expect(room.mediaSession).toBeUndefined();
      expect(room.detachMedia()).toBeUndefined();
    });

    it("refuses another room's session", () => {
      const room = new Room('r', 'c');
      expect(() => room.attachMedia({ roomId: 'other', backend: 'x', ref: 'ref-1' })).toThrow(RangeError);
      expect(room.mediaSession).toBeUndefined();
    });
  });
});
