import type { DepartedRoom, Logger } from '../../application';

/** Who wants to hear of rooms freed from a host that is gone; one listener that throws does not stop the others. */
export class FreedRoomListeners {
  private readonly listeners: ((room: DepartedRoom) => void)[] = [];

  constructor(
    private readonly logger: Logger,
    /** How the room was freed, for the log line of a failing listener. */
    private readonly how: string,
  ) {}

  add(listener: (room: DepartedRoom) => void): void {
    this.listeners.push(listener);
  }

  tell(room: DepartedRoom): void {
    for (const listener of this.listeners) {
      try {
        listener(room);
      } catch (error) {
        this.logger.error({ err: error, roomId: room.record.roomId, how: this.how }, 'reporting a freed room failed');
      }
    }
  }
}
