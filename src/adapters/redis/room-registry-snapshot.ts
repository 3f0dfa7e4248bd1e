import type { RoomRecord, RoomRegistry } from '../../application';

/** The rooms a node holds in memory, in the store's shape: what the store re-asserts after an outage. */
export const snapshotRooms = (registry: RoomRegistry, nodeId: string): RoomRecord[] =>
  registry.allRooms().map((room) => ({
    roomId: room.id,
    communityId: room.communityId,
    nodeId,
    ...(room.mediaSession ? { mediaRef: room.mediaSession.ref } : {}),
    members: room.participants().map((p) => ({
      userId: p.userId,
      connectionId: p.connectionId,
      audio: p.audio,
      video: p.video,
      joinedAt: p.joinedAt,
    })),
  }));
