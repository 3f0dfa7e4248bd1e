import type { DepartureReason, RoomEvent } from '../../domain';
import { DIRECT_MESSAGE_COMMUNITY } from '../../domain';

/**
 * What the presence server understands. `signaling` and `enter` are the seed's names; `leave` is new and
 * covers every departure that did not take the user's connection down (the connection may still be alive).
 */
export type PresenceMessageType = 'enter' | 'leave' | 'signaling';

/** One line on the wire (snake_case, as the seed's presence server parses it). */
export interface PresenceMessage {
  readonly type: PresenceMessageType;
  readonly user_id: string;
  /** null for the direct-message community "0", as the seed sent it. */
  readonly community_id: string | null;
  readonly channel_id: string;
  /** Stable across resends so the receiver can drop duplicates. */
  readonly event_id: string;
  /** When the event happened, epoch milliseconds: a number the receiver can compare without parsing. */
  readonly timestamp: number;
  /** Why the user departed; absent on `enter`. Extra field: the seed's lenient parser ignores it. */
  readonly reason?: DepartureReason;
}

/**
 * Departures that took the connection down with them map to the seed's `signaling` (what it sent for a
 * dropped socket); the rest to `leave`. `replaced` is a `leave` too: the same user joined again from
 * another connection and an `enter` normally follows, but that join can still fail after the takeover,
 * and staying silent would then leave a ghost in the presence server. A receiver that wants no flicker
 * can hold a `leave` with reason `replaced` briefly and cancel it when the `enter` comes.
 */
const departureTypes: Readonly<Record<DepartureReason, PresenceMessageType>> = {
  dropped: 'signaling',
  shutdown: 'signaling',
  // The node holding the user's connection died: the connection went down with it.
  nodeLost: 'signaling',
  // The node found another holds the room and closed the user's connection, sending it there.
  roomMoved: 'signaling',
  left: 'leave',
  kicked: 'leave',
  mediaLost: 'leave',
  roomClosed: 'leave',
  replaced: 'leave',
};

/** Every room event is one message. */
export function toPresenceMessage(event: RoomEvent, eventId: string): PresenceMessage {
  const communityId = event.communityId === DIRECT_MESSAGE_COMMUNITY ? null : event.communityId;
  const common = { user_id: event.userId, community_id: communityId, channel_id: event.roomId, event_id: eventId, timestamp: event.at };
  if (event.type === 'participantJoined') return { type: 'enter', ...common };
  return { type: departureTypes[event.reason], ...common, reason: event.reason };
}

export const PRESENCE_LINE_END = '\r\n';

export function encodePresenceLine(message: PresenceMessage): string {
  return JSON.stringify(message) + PRESENCE_LINE_END;
}

const types: readonly string[] = ['enter', 'leave', 'signaling'];

/** Reads back a message stored by an outbox; undefined when the stored text is not one (never throws). */
export function decodePresenceMessage(text: string): PresenceMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const valid =
    typeof v.type === 'string' &&
    types.includes(v.type) &&
    typeof v.user_id === 'string' &&
    (v.community_id === null || typeof v.community_id === 'string') &&
    typeof v.channel_id === 'string' &&
    typeof v.event_id === 'string' &&
    typeof v.timestamp === 'number';
  return valid ? (v as unknown as PresenceMessage) : undefined;
}
