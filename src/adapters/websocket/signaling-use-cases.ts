import type { AddIceCandidate, JoinRoom, LeaveRoom, NegotiateMedia, SetMediaState } from '../../application';

/** The use cases an inbound adapter drives. */
export interface SignalingUseCases {
  readonly joinRoom: JoinRoom;
  readonly negotiate: NegotiateMedia;
  readonly addIceCandidate: AddIceCandidate;
  readonly setMediaState: SetMediaState;
  readonly leaveRoom: LeaveRoom;
}
