import type { AddIceCandidate, JoinRoom, LeaveRoom, NegotiateMedia, ResumeSession, SeedLinks, SetMediaState } from '../../application';

/** The use cases an inbound adapter drives; only their entry points, so the composition may decorate them. */
export interface SignalingUseCases {
  readonly joinRoom: Pick<JoinRoom, 'execute'>;
  readonly resumeSession: Pick<ResumeSession, 'execute'>;
  readonly negotiate: Pick<NegotiateMedia, 'offer' | 'answer' | 'requestOffer'>;
  readonly addIceCandidate: Pick<AddIceCandidate, 'execute'>;
  readonly setMediaState: Pick<SetMediaState, 'execute'>;
  readonly leaveRoom: Pick<LeaveRoom, 'execute'>;
  readonly seedLinks: Pick<SeedLinks, 'linkFor'>;
}
