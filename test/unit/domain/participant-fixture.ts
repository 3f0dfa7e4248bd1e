import type { Participant } from '../../../src/domain';

export const participant = (userId: string, connectionId = `conn-${userId}`, extra: Partial<Participant> = {}): Participant => ({
  userId,
  connectionId,
  audio: true,
  video: true,
  joinedAt: 1,
  ...extra,
});
