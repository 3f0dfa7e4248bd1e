import type { RoomEvent } from '../../../src/domain';

/**
 * `count` room events over `users` users: each user alternates joining and leaving (left or dropped)
 * rooms of community "7" and DMs ("0"). `at` is unique per event (base + index), so a test can find each
 * event on the wire by its `timestamp`.
 */
export function burstEvents(count: number, users: number, base = 1_700_000_000_000): RoomEvent[] {
  const inRoom = new Map<string, { roomId: string; communityId: string }>();
  const events: RoomEvent[] = [];
  for (let i = 0; i < count; i += 1) {
    const userId = `user-${i % users}`;
    const at = base + i;
    const current = inRoom.get(userId);
    if (current) {
      inRoom.delete(userId);
      events.push({ type: 'participantDeparted', ...current, userId, reason: i % 3 === 0 ? 'dropped' : 'left', at });
    } else {
      const room = i % 4 === 0 ? { roomId: `r-${i}`, communityId: '0' } : { roomId: `c-${i % 9}`, communityId: '7' };
      inRoom.set(userId, room);
      events.push({ type: 'participantJoined', ...room, userId, at });
    }
  }
  return events;
}

/** Per user, the timestamps in the order the events were notified. */
export function expectedOrderByUser(events: readonly RoomEvent[]): Map<string, number[]> {
  const byUser = new Map<string, number[]>();
  for (const event of events) byUser.set(event.userId, [...(byUser.get(event.userId) ?? []), event.at]);
  return byUser;
}

/** Per user, the timestamps in the order their first copy arrived (later duplicates skipped). */
export function arrivalOrderByUser(messages: readonly Record<string, unknown>[]): Map<string, number[]> {
  const seen = new Set<unknown>();
  const byUser = new Map<string, number[]>();
  for (const message of messages) {
    if (seen.has(message.event_id)) continue;
    seen.add(message.event_id);
    const user = String(message.user_id);
    byUser.set(user, [...(byUser.get(user) ?? []), Number(message.timestamp)]);
  }
  return byUser;
}
