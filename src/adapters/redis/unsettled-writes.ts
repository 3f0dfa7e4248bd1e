import type { ConnectionId, UserId } from '../../domain';
import type { DepartedRoom } from '../../application';

/**
 * A room's first write on this node (a join or resume) that failed without an answer: Redis may have
 * applied it. If it did, and the record was one another holder left, this node took that record over
 * under its lease, seats held for the other members included. Closing such a room must give the record
 * up as an abandoned one (the seats stay, for their owners to resume anywhere), never delete it.
 */
export interface UnsettledWrite {
  /**
   * The lease epoch the write was sent under: the record's epoch if it was applied. '' when it was sent
   * without a lease: it then took a new one this node never heard of (REAP_ROOM_SCRIPT resolves it).
   */
  readonly epoch: string;
  /** The joiner whose join failed: removed, and not reported (nobody was told it joined). */
  readonly joiner?: { readonly userId: UserId; readonly connectionId: ConnectionId };
  /**
   * The member whose resume failed: removed and reported gone. Its seat now carries a proof its client
   * never received, so holding it would only keep a place nobody can take for a whole grace.
   */
  readonly resumer?: UserId;
}

/** The member a give-up removes whatever its seat. */
export const removedWhatever = (write: UnsettledWrite): UserId | '' => write.joiner?.userId ?? write.resumer ?? '';

/**
 * What giving up an unsettled room removed, less the joiner whose join failed: it was refused to its
 * client and never reported to anyone, so it is not reported gone either.
 */
export const departedBesidesJoiner = (departed: DepartedRoom | undefined, write: UnsettledWrite): DepartedRoom | undefined => {
  if (!departed) return undefined;
  const joiner = write.joiner;
  const members = joiner
    ? departed.record.members.filter((m) => m.userId !== joiner.userId || m.connectionId !== joiner.connectionId)
    : departed.record.members;
  return members.length > 0 ? { ...departed, record: { ...departed.record, members } } : undefined;
};
