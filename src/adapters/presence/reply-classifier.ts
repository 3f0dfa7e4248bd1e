/**
 * How one reply line counts. The seed's presence server replies leniently and its reply text is not
 * specified, so any complete line acknowledges the message it answers (`ack`). Odd lines (not UTF-8,
 * control characters, overlong, a JSON `ok: false`/`error`) still acknowledge, but are logged
 * (`malformed`, `refused`): resending a message the server has read and refused would only repeat forever and
 * block every later message. The one exception is a JSON reply naming another `event_id`: it answers an
 * earlier message (a late reply), so it is ignored (`stale`) and the wait for the right one goes on.
 */
export type ReplyVerdict =
  | { kind: 'ack' }
  | { kind: 'malformed'; why: string }
  | { kind: 'refused'; text: string }
  | { kind: 'stale'; eventId: string };

const MAX_REPLY_CHARS = 4_096;

export function classifyReply(line: Buffer, expectedEventId: string): ReplyVerdict {
  const text = line.toString('utf8');
  if (text.includes('\uFFFD')) return { kind: 'malformed', why: 'not UTF-8' };
  if (text.length > MAX_REPLY_CHARS) return { kind: 'malformed', why: 'overlong' };
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) return { kind: 'malformed', why: 'control characters' };
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return { kind: 'ack' };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return { kind: 'malformed', why: 'broken JSON' };
  }
  if (typeof value !== 'object' || value === null) return { kind: 'ack' };
  const reply = value as Record<string, unknown>;
  if (typeof reply.event_id === 'string' && reply.event_id !== expectedEventId) return { kind: 'stale', eventId: reply.event_id };
  if (reply.ok === false || reply.error !== undefined) return { kind: 'refused', text: trimmed.slice(0, 200) };
  return { kind: 'ack' };
}
