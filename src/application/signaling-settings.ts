export interface SignalingSettings {
  /** Participants per room; the seed's limit was 25. */
  readonly roomCapacity: number;
  /** This signaling node's id, recorded as the host of its rooms. */
  readonly nodeId: string;
}
