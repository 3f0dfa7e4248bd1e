import { isReconnecting, type Participant } from '../domain';
import type { MemberView } from './ports';

export const memberView = (p: Participant): MemberView => ({
  userId: p.userId,
  audio: p.audio,
  video: p.video,
  ...(p.displayName !== undefined ? { displayName: p.displayName } : {}),
  ...(isReconnecting(p) ? { reconnecting: true as const } : {}),
});
