export interface SignalingSettings {
  /** Participants per room; the seed's limit was 25. */
  readonly roomCapacity: number;
  /** This signaling node's id, recorded as the host of its rooms. */
  readonly nodeId: string;
  /** Rooms this node hosts at most; a join that would open one more is refused with `nodeFull`. */
  readonly maxRoomsPerNode?: number;
  /**
   * How long the seat of a resumable participant whose connection dropped is held for it to resume
   * (`RESUME_GRACE_MS`); 0 turns resuming off (every drop is a departure).
   */
  readonly resumeGraceMs: number;
}
