import fc from 'fast-check';
import { Room, SignalingError, type ErrorCode, type Participant } from '../../../src/domain';

/** The simplest thing that obeys the rules: an insertion-ordered map, rewritten on takeover. */
interface ModelMember {
  readonly connectionId: string;
  readonly audio: boolean;
  readonly video: boolean;
  readonly joinedAt: number;
}

type Op =
  | { readonly kind: 'admit'; readonly userId: string; readonly connectionId: string; readonly audio: boolean; readonly video: boolean; readonly joinedAt: number }
  | { readonly kind: 'remove'; readonly userId: string; readonly connectionId: string }
  | { readonly kind: 'media'; readonly actor: string; readonly target: string; readonly audio?: boolean; readonly video?: boolean };

const users = fc.constantFrom('u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7');
const connections = fc.constantFrom('c0', 'c1', 'c2');

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('admit' as const), userId: users, connectionId: connections, audio: fc.boolean(), video: fc.boolean(), joinedAt: fc.nat() }),
  fc.record({ kind: fc.constant('remove' as const), userId: users, connectionId: connections }),
  fc.record(
    { kind: fc.constant('media' as const), actor: users, target: users, audio: fc.boolean(), video: fc.boolean() },
    { requiredKeys: ['kind', 'actor', 'target'] },
  ),
);

const codeOf = (fn: () => unknown): ErrorCode | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (error instanceof SignalingError) return error.code;
    throw error;
  }
};

const asModel = (participants: readonly Participant[]): [string, ModelMember][] =>
  participants.map((p) => [p.userId, { connectionId: p.connectionId, audio: p.audio, video: p.video, joinedAt: p.joinedAt }]);

describe('Room (property)', () => {
  it('any sequence of admit/remove/changeMediaState matches a simple model and keeps the invariants', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(op, { maxLength: 60 }), (capacity, ops) => {
        const room = new Room('r', 'c', capacity);
        const model = new Map<string, ModelMember>();

        for (const o of ops) {
          switch (o.kind) {
            case 'admit': {
              const { userId, connectionId, audio, video, joinedAt } = o;
              const previous = model.get(userId);
              if (!previous && model.size >= capacity) {
                expect(codeOf(() => room.admit({ userId, connectionId, audio, video, joinedAt }))).toBe('roomFull');
                break;
              }
              const admission = room.admit({ userId, connectionId, audio, video, joinedAt });
              if (previous && previous.connectionId !== connectionId) {
                expect(admission).toEqual({ outcome: 'replaced', previous: { userId, ...previous } });
              } else {
                expect(admission).toEqual({ outcome: 'admitted' });
              }
              model.delete(userId);
              model.set(userId, { connectionId, audio, video, joinedAt });
              break;
            }
            case 'remove': {
              const current = model.get(o.userId);
              const removed = room.remove(o.userId, o.connectionId);
              if (current && current.connectionId === o.connectionId) {
                expect(removed).toEqual({ userId: o.userId, ...current });
                model.delete(o.userId);
              } else {
                expect(removed).toBeUndefined();
              }
              break;
            }
            case 'media': {
              const change = { ...(o.audio !== undefined ? { audio: o.audio } : {}), ...(o.video !== undefined ? { video: o.video } : {}) };
              const current = model.get(o.actor);
              const code = codeOf(() => room.changeMediaState(o.actor, o.target, change));
              if (o.actor !== o.target) {
                expect(code).toBe('forbidden');
              } else if (!current) {
                expect(code).toBe('notInRoom');
              } else {
                expect(code).toBeUndefined();
                model.set(o.actor, { ...current, audio: o.audio ?? current.audio, video: o.video ?? current.video });
              }
              break;
            }
          }

          const participants = room.participants();
          expect(participants.length).toBeLessThanOrEqual(capacity);
          expect(room.size).toBe(participants.length);
          expect(new Set(participants.map((p) => p.userId)).size).toBe(participants.length);
          expect(asModel(participants)).toEqual([...model.entries()]);
          expect(room.isEmpty).toBe(model.size === 0);
        }
      }),
      { numRuns: 500 },
    );
  });
});
