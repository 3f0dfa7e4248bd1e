import type { MediaState } from '../../domain';
import type { MemberRecord, RoomHeader, RoomRecord, SeatRecord } from '../../application';

/** "10" = audio on, video off: two characters, no JSON for the scripts to parse. */
export const encodeMedia = (state: MediaState): string => `${state.audio ? 1 : 0}${state.video ? 1 : 0}`;

const decodeMedia = (value: string | undefined): MediaState => ({ audio: value?.[0] === '1', video: value?.[1] === '1' });

/** The scripts' mediaRefMode: a header without the property keeps the stored ref, an explicit undefined clears it. */
export const mediaRefArgs = (room: RoomHeader): [string, string] => {
  if (room.mediaRef !== undefined) return ['set', room.mediaRef];
  return 'mediaRef' in room ? ['clear', ''] : ['keep', ''];
};

/**
 * The scripts' seven member arguments: userId, connectionId, media, joinedAt, proof, exp, heldForMs ('' for
 * none). `heldForMs` (the member is reconnecting, its seat held that much longer) comes from the seat.
 */
export const memberArgs = (member: MemberRecord): string[] => [
  member.userId,
  member.connectionId,
  encodeMedia(member),
  String(member.joinedAt),
  member.seat?.proof ?? '',
  member.seat?.notAfter !== undefined ? String(member.seat.notAfter) : '',
  member.seat?.heldForMs !== undefined ? String(Math.max(1, Math.round(member.seat.heldForMs))) : '',
];

const pairs = (flat: unknown): Map<string, string> => {
  const map = new Map<string, string>();
  if (!Array.isArray(flat)) return map;
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field: unknown = flat[i];
    const value: unknown = flat[i + 1];
    if (typeof field === 'string' && typeof value === 'string') map.set(field, value);
  }
  return map;
};

const decodeSeat = (fields: Map<string, string>, userId: string, now: number | undefined): SeatRecord | undefined => {
  const proof = fields.get(`seat:${userId}`);
  if (proof === undefined) return undefined;
  const exp = fields.get(`exp:${userId}`);
  const until = fields.get(`until:${userId}`);
  return {
    proof,
    ...(exp !== undefined ? { notAfter: Number(exp) } : {}),
    ...(until !== undefined && now !== undefined ? { heldForMs: Number(until) - now } : {}),
  };
};

/**
 * Members from a members hash as flat pairs (HGETALL), in join order. `now` (Redis ms, when the fields were
 * read) turns a held seat's deadline into how long it is still held.
 */
export const decodeMembers = (flat: unknown, now?: number): MemberRecord[] => {
  const fields = pairs(flat);
  const members: MemberRecord[] = [];
  for (const [field, connectionId] of fields) {
    if (!field.startsWith('conn:')) continue;
    const userId = field.slice('conn:'.length);
    const seat = decodeSeat(fields, userId, now);
    members.push({
      userId,
      connectionId,
      ...decodeMedia(fields.get(`media:${userId}`)),
      joinedAt: Number(fields.get(`joined:${userId}`) ?? 0),
      ...(seat ? { seat } : {}),
    });
  }
  // Hash order is arbitrary; join order is what the in-memory store and the clients see.
  return members.sort((a, b) => a.joinedAt - b.joinedAt || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
};

/** Decodes READ_ROOM_SCRIPT's reply ({ meta, members, now? }); undefined when the room is not recorded. */
export const decodeRoom = (roomId: string, reply: unknown): RoomRecord | undefined => {
  if (!Array.isArray(reply)) return undefined;
  const meta = pairs(reply[0]);
  const communityId = meta.get('communityId');
  const nodeId = meta.get('nodeId');
  if (communityId === undefined || nodeId === undefined) return undefined;
  const now = reply[2] === undefined ? undefined : Number(reply[2]);
  const members = decodeMembers(reply[1], now);
  const mediaRef = meta.get('mediaRef');
  return { roomId, communityId, nodeId, ...(mediaRef !== undefined ? { mediaRef } : {}), members };
};

export const asInteger = (reply: unknown): number => (typeof reply === 'number' ? reply : Number(reply));

export const asStringList = (reply: unknown): string[] =>
  Array.isArray(reply) ? reply.filter((item): item is string => typeof item === 'string') : [];
