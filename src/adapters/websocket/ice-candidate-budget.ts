import type { MediaLink, UserId } from '../../domain';

/**
 * The largest `ICE_CANDIDATES_PER_LINK` a budget can count to: both directions' counts with one peer share
 * one number (below), 26 bits each, inside a double's exact integers.
 */
export const MAX_ICE_CANDIDATES_PER_LINK = 2 ** 26 - 1;
const UPSTREAM_UNIT = 2 ** 26;

/**
 * Trickle ICE candidates one connection may send per media link between two SDP exchanges on that link.
 * A browser gathers a handful per link; thousands are abuse that would fill the media server's buffers.
 * Only links the core accepted are counted, so a client naming random users cannot grow the map.
 *
 * Memory is per participant, so the counts are kept small (issue 20):
 * - keyed by the peer's id itself: a key string per link (`kind:peer`) was built and hashed twice per
 *   relayed candidate and kept per link, 18 links per member of a full-mesh room of 10;
 * - one map for both link kinds to a peer, the subscription's count in the low 26 bits and the upstream
 *   link's above them: in a mesh every member has both links with every other, and a second map's hash
 *   table held about 520 bytes per member after a room of 10 negotiated (heap snapshot);
 * - the map is made at the first candidate: most connections never send one.
 */
export class IceCandidateBudget {
  private peers: Map<UserId, number> | undefined;
  private publish = 0;
  readonly maxPerLink: number;

  constructor(maxPerLink: number) {
    this.maxPerLink = Math.min(maxPerLink, MAX_ICE_CANDIDATES_PER_LINK);
  }

  allows(link: MediaLink): boolean {
    return this.spentOn(link) < this.maxPerLink;
  }

  /** Counts a candidate the core accepted; a count stays at the limit once there (it cannot carry over). */
  spend(link: MediaLink): void {
    if (link.kind === 'publish') {
      this.publish += 1;
      return;
    }
    if (this.spentOn(link) >= this.maxPerLink) return;
    const peers = (this.peers ??= new Map());
    const peer = link.kind === 'subscribe' ? link.publisher : link.subscriber;
    peers.set(peer, (peers.get(peer) ?? 0) + (link.kind === 'subscribe' ? 1 : UPSTREAM_UNIT));
  }

  /** A new offer or answer on the link starts a new ICE gathering. */
  renew(link: MediaLink): void {
    if (link.kind === 'publish') {
      this.publish = 0;
      return;
    }
    const peer = link.kind === 'subscribe' ? link.publisher : link.subscriber;
    const both = this.peers?.get(peer);
    if (both === undefined) return;
    const kept = link.kind === 'subscribe' ? both - (both % UPSTREAM_UNIT) : both % UPSTREAM_UNIT;
    if (kept === 0) this.peers?.delete(peer);
    else this.peers?.set(peer, kept);
  }

  /** Joining or leaving a room makes every link new. */
  renewAll(): void {
    this.peers = undefined;
    this.publish = 0;
  }

  private spentOn(link: MediaLink): number {
    if (link.kind === 'publish') return this.publish;
    const both = this.peers?.get(link.kind === 'subscribe' ? link.publisher : link.subscriber) ?? 0;
    return link.kind === 'subscribe' ? both % UPSTREAM_UNIT : Math.floor(both / UPSTREAM_UNIT);
  }
}
