import type { DepartedRoom, Logger } from '../../application';
import { TypedEvents } from '../shared/typed-events';

/** Who wants to hear of rooms freed from a host that is gone; one listener that throws does not stop the others. */
export class FreedRoomListeners {
  private readonly events: TypedEvents<{ freed: [DepartedRoom] }>;

  constructor(
    private readonly logger: Logger,
    /** How the room was freed, for the log line of a failing listener. */
    private readonly how: string,
  ) {
    this.events = new TypedEvents((error, _event, [room]) =>
      this.logger.error({ err: error, roomId: room.record.roomId, how: this.how }, 'reporting a freed room failed'),
    );
  }

  add(listener: (room: DepartedRoom) => void): void {
    this.events.on('freed', listener);
  }

  tell(room: DepartedRoom): void {
    this.events.emit('freed', room);
  }
}
