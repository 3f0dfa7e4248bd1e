export interface SignalingSettings {
  /** Participants per room; the seed's limit was 25. */
  readonly roomCapacity: number;
  /** This signaling node's id, recorded as the host of its rooms. */
  readonly nodeId: string;
  /** Rooms this node hosts at most; a join that would open one more is refused with `nodeFull`. */
  readonly maxRoomsPerNode?: number;
}
