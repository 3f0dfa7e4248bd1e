import type { PresenceNotifier } from '../../../src/application';
import type { RoomEvent } from '../../../src/domain';

/** Records every presence event the core emits. */
export class RecordingPresenceNotifier implements PresenceNotifier {
  readonly events: RoomEvent[] = [];
  shutdownDeadlines: number[] = [];

  notify(event: RoomEvent): void {
    this.events.push(event);
  }

  async shutdown(deadlineMs: number): Promise<void> {
    this.shutdownDeadlines.push(deadlineMs);
  }

  departures(): readonly Extract<RoomEvent, { type: 'participantDeparted' }>[] {
    return this.events.filter((e): e is Extract<RoomEvent, { type: 'participantDeparted' }> => e.type === 'participantDeparted');
  }

  arrivals(): readonly Extract<RoomEvent, { type: 'participantJoined' }>[] {
    return this.events.filter((e): e is Extract<RoomEvent, { type: 'participantJoined' }> => e.type === 'participantJoined');
  }
}
