import { RoomRegistry } from '../../../src/application';
import { Room } from '../../../src/domain';

describe('RoomRegistry', () => {
  it('keeps rooms by id and counts them', () => {
    const registry = new RoomRegistry();
    const a = new Room('a', 'c');
    const b = new Room('b', 'c');
    registry.addRoom(a);
    registry.addRoom(b);
    expect(registry.room('a')).toBe(a);
    expect(registry.allRooms()).toEqual([a, b]);
    expect(registry.roomCount).toBe(2);
    registry.removeRoom('a');
    expect(registry.room('a')).toBeUndefined();
    expect(registry.roomCount).toBe(1);
  });

  it('allRooms() is a snapshot that later changes do not alter', () => {
    const registry = new RoomRegistry();
    registry.addRoom(new Room('a', 'c'));
    const snapshot = registry.allRooms();
    registry.removeRoom('a');
    expect(snapshot).toHaveLength(1);
  });

  it('binds connections to memberships and counts participants by connection', () => {
    const registry = new RoomRegistry();
    registry.bind('conn-1', { roomId: 'a', userId: 'u1' });
    registry.bind('conn-2', { roomId: 'a', userId: 'u2' });
    expect(registry.membership('conn-1')).toEqual({ roomId: 'a', userId: 'u1' });
    expect(registry.participantCount).toBe(2);
    registry.unbind('conn-1');
    expect(registry.membership('conn-1')).toBeUndefined();
    expect(registry.participantCount).toBe(1);
    registry.unbind('never-bound');
    expect(registry.participantCount).toBe(1);
  });
});
