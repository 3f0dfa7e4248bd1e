import type { DepartureReason, RoomEvent } from '../../../src/domain';
import { decodePresenceMessage, encodePresenceLine, toPresenceMessage } from '../../../src/adapters/presence/presence-message';

const joined = (communityId: string): RoomEvent => ({ type: 'participantJoined', roomId: 'c-42', communityId, userId: 'u1', at: 1_700_000_000_123 });
const departed = (reason: DepartureReason): RoomEvent => ({ type: 'participantDeparted', roomId: 'r-7', communityId: '0', userId: 'u2', reason, at: 1_700_000_000_456 });

describe('presence message mapping', () => {
  it('maps a join to enter with the seed field names, an event id and epoch-ms timestamp', () => {
    expect(toPresenceMessage(joined('55'), 'id-1')).toEqual({
      type: 'enter',
      user_id: 'u1',
      community_id: '55',
      channel_id: 'c-42',
      event_id: 'id-1',
      timestamp: 1_700_000_000_123,
    });
  });

  it('sends community_id null for the direct-message community "0"', () => {
    expect(toPresenceMessage(joined('0'), 'id')?.community_id).toBeNull();
    expect(toPresenceMessage(departed('left'), 'id')?.community_id).toBeNull();
  });

  it.each<[DepartureReason, string]>([
    ['dropped', 'signaling'],
    ['shutdown', 'signaling'],
    ['left', 'leave'],
    ['kicked', 'leave'],
    ['mediaLost', 'leave'],
    ['roomClosed', 'leave'],
    ['replaced', 'leave'],
  ])('maps departure %s to %s and names the reason', (reason, type) => {
    expect(toPresenceMessage(departed(reason), 'id')).toEqual({
      type,
      user_id: 'u2',
      community_id: null,
      channel_id: 'r-7',
      event_id: 'id',
      timestamp: 1_700_000_000_456,
      reason,
    });
  });

  it('frames a message as one JSON line ending in CRLF', () => {
    const message = toPresenceMessage(joined('1'), 'id');
    const line = encodePresenceLine(message);
    expect(line.endsWith('\r\n')).toBe(true);
    expect(line.slice(0, -2)).not.toMatch(/[\r\n]/);
    expect(JSON.parse(line)).toEqual(message);
  });

  it('decodes what it encoded and refuses anything else', () => {
    const message = toPresenceMessage(departed('dropped'), 'id');
    expect(decodePresenceMessage(JSON.stringify(message))).toEqual(message);
    expect(decodePresenceMessage('not json')).toBeUndefined();
    expect(decodePresenceMessage('null')).toBeUndefined();
    expect(decodePresenceMessage(JSON.stringify({ ...message, type: 'state' }))).toBeUndefined();
    expect(decodePresenceMessage(JSON.stringify({ ...message, timestamp: 'now' }))).toBeUndefined();
  });
});
