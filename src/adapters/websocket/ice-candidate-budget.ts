import { linkPeer, type MediaLink } from '../../domain';

/**
 * Trickle ICE candidates one connection may send per media link between two SDP exchanges on that link.
 * A browser gathers a handful per link; thousands are abuse that would fill the media server's buffers.
 * Only links the core accepted are counted, so a client naming random users cannot grow the map.
 */
export class IceCandidateBudget {
  /**
   * Made at the first candidate: one per connection, and most connections (idle members, connections
   * not in a room) never send one; an empty Map is about 150 bytes of heap.
   */
  private spent: Map<string, number> | undefined;

  constructor(readonly maxPerLink: number) {}

  allows(link: MediaLink): boolean {
    return (this.spent?.get(keyOf(link)) ?? 0) < this.maxPerLink;
  }

  /** Counts a candidate the core accepted. */
  spend(link: MediaLink): void {
    const key = keyOf(link);
    const spent = (this.spent ??= new Map());
    spent.set(key, (spent.get(key) ?? 0) + 1);
  }

  /** A new offer or answer on the link starts a new ICE gathering. */
  renew(link: MediaLink): void {
    this.spent?.delete(keyOf(link));
  }

  /** Joining or leaving a room makes every link new. */
  renewAll(): void {
    this.spent = undefined;
  }
}

const keyOf = (link: MediaLink): string => `${link.kind}:${linkPeer(link) ?? ''}`;
