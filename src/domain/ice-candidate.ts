/** A trickle ICE candidate, in the shape of the browser's RTCIceCandidateInit. */
export interface IceCandidate {
  readonly candidate: string;
  readonly sdpMid?: string | null;
  readonly sdpMLineIndex?: number | null;
}
