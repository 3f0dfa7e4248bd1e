import type { MediaState } from '../../domain';
import type { MemberRecord, RoomHeader, RoomRecord } from '../../application';

/** "10" = audio on, video off: two characters, no JSON for the scripts to parse. */
export const encodeMedia = (state: MediaState): string => `${state.audio ? 1 : 0}${state.video ? 1 : 0}`;

const decodeMedia = (value: string | undefined): MediaState => ({ audio: value?.[0] === '1', video: value?.[1] === '1' });

/** The scripts' mediaRefMode: a header without the property keeps the stored ref, an explicit undefined clears it. */
export const mediaRefArgs = (room: RoomHeader): [string, string] => {
  if (room.mediaRef !== undefined) return ['set', room.mediaRef];
  return 'mediaRef' in room ? ['clear', ''] : ['keep', ''];
};

export const memberArgs = (member: MemberRecord): string[] => [
  member.userId,
  member.connectionId,
  encodeMedia(member),
  String(member.joinedAt),
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

/** Decodes READ_ROOM_SCRIPT's reply; undefined when the room is not recorded. */
export const decodeRoom = (roomId: string, reply: unknown): RoomRecord | undefined => {
  if (!Array.isArray(reply)) return undefined;
  const meta = pairs(reply[0]);
  const fields = pairs(reply[1]);
  const communityId = meta.get('communityId');
  const nodeId = meta.get('nodeId');
  if (communityId === undefined || nodeId === undefined) return undefined;
  const members: MemberRecord[] = [];
  for (const [field, connectionId] of fields) {
    if (!field.startsWith('conn:')) continue;
    const userId = field.slice('conn:'.length);
    members.push({
      userId,
      connectionId,
      ...decodeMedia(fields.get(`media:${userId}`)),
      joinedAt: Number(fields.get(`joined:${userId}`) ?? 0),
    });
  }
  // Hash order is arbitrary; join order is what the in-memory store and the clients see.
  members.sort((a, b) => a.joinedAt - b.joinedAt || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  const mediaRef = meta.get('mediaRef');
  return { roomId, communityId, nodeId, ...(mediaRef !== undefined ? { mediaRef } : {}), members };
};

export const asInteger = (reply: unknown): number => (typeof reply === 'number' ? reply : Number(reply));

export const asStringList = (reply: unknown): string[] =>
  Array.isArray(reply) ? reply.filter((item): item is string => typeof item === 'string') : [];
