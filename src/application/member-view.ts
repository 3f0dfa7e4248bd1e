import { isReconnecting, type Participant } from '../domain';
import type { MemberView } from './ports';

export const memberView = (p: Participant): MemberView =>
  isReconnecting(p) ? { userId: p.userId, audio: p.audio, video: p.video, reconnecting: true } : { userId: p.userId, audio: p.audio, video: p.video };
