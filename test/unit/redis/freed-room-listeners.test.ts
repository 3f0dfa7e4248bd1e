import type { DepartedRoom } from '../../../src/application';
import { FreedRoomListeners } from '../../../src/adapters/redis/freed-room-listeners';
import { RecordingLogger } from '../../support/fakes';

const room: DepartedRoom = { record: { roomId: 'r1', communityId: '1', nodeId: 'dead', members: [] }, at: 1 };

describe('FreedRoomListeners', () => {
  it('tells every listener, in order, even after one throws, and logs the failure', () => {
    const logger = new RecordingLogger();
    const listeners = new FreedRoomListeners(logger, 'reaped');
    const heard: string[] = [];
    listeners.add((r) => heard.push(`first:${r.record.roomId}`));
    listeners.add(() => {
      throw new Error('presence is broken');
    });
    listeners.add((r) => heard.push(`third:${r.record.roomId}`));

    listeners.tell(room);

    expect(heard).toEqual(['first:r1', 'third:r1']);
    expect(logger.at('error')).toEqual([
      { level: 'error', fields: expect.objectContaining({ roomId: 'r1', how: 'reaped' }), message: 'reporting a freed room failed' },
    ]);
  });
});
