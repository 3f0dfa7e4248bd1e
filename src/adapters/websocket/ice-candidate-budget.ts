import { linkPeer, type MediaLink, type UserId } from '../../domain';

/**
 * The largest `ICE_CANDIDATES_PER_LINK` a budget can count to: both directions' counts with one peer share
 * one number (below), 26 bits each, inside a double's exact integers.
 */
export const MAX_ICE_CANDIDATES_PER_LINK = 2 ** 26 - 1;
/**
 * Under this limit both counts fit in 15 bits each, so the pair is a small integer V8 keeps unboxed in the
 * map (a Smi, 31 bits); above it each update of a pair allocates a heap number.
 */
const SMALL_LIMIT = 2 ** 15;
/** Peers a budget keeps counts for when not told: the default ROOM_CAPACITY. */
const DEFAULT_MAX_PEERS = 25;
/** Peers kept in the flat array; past them, in a Map (see below). */
const ARRAY_PEERS = 32;

/**
 * Trickle ICE candidates one connection may send per media link between two SDP exchanges on that link.
 * A browser gathers a handful per link; thousands are abuse that would fill the media server's buffers.
 * Only links the core accepted are counted, so a client naming random users cannot grow the map.
 *
 * Memory is per participant, so the counts are kept small (issue 20):
 * - keyed by the peer's id itself: a key string per link (`kind:peer`) was built and hashed twice per
 *   relayed candidate and kept per link, 18 links per member of a full-mesh room of 10;
 * - one count for both link kinds to a peer, the subscription's count in the low bits (15, or 26 for limits
 *   of 2^15 and more) and the upstream link's above them: in a mesh every member has both links with every
 *   other, and a second map's hash table held about 520 bytes per member after a room of 10 negotiated
 *   (heap snapshot);
 * - peers and counts in one flat array sized to fit, `[peer, count, peer, count, ...]`, searched in order:
 *   a Map's hash table for the 9 peers of a room of 10 held about 490 bytes, the array 160. Past
 *   `ARRAY_PEERS` peers (an SFU room may hold up to 1,000 members) they move to a Map, where a search
 *   costs the same whatever the room's size;
 * - the array is made at the first candidate: most connections never send one;
 * - a peer's counts go when the member is told it left (`forget`): a member who stayed in a room while
 *   others came and went kept a count for every peer it ever trickled to, and live heap grew with the
 *   churn, not with the room (heap snapshots minutes of churn apart, issue 20);
 * - and, should a departure not be seen, it keeps at most `maxPeers` peers (the room's capacity),
 *   dropping the one counted longest ago. A room holds fewer other members than its capacity, so a full
 *   map holds a departed peer; the oldest count may be a present peer's instead, whose link then starts
 *   afresh: a client can earn that only by trickling to a new member, one per member who joins.
 */
export class IceCandidateBudget {
  /** `[peer, count, peer, count, ...]` or, past ARRAY_PEERS, a Map; oldest first either way. */
  private peers: (UserId | number)[] | Map<UserId, number> | undefined;
  private publish = 0;
  readonly maxPerLink: number;
  /** What a peer's upstream count is multiplied by; its subscription's count is the rest. */
  private readonly upstreamUnit: number;

  constructor(
    maxPerLink: number,
    private readonly maxPeers: number = DEFAULT_MAX_PEERS,
  ) {
    this.maxPerLink = Math.min(maxPerLink, MAX_ICE_CANDIDATES_PER_LINK);
    this.upstreamUnit = this.maxPerLink < SMALL_LIMIT ? SMALL_LIMIT : MAX_ICE_CANDIDATES_PER_LINK + 1;
  }

  /** Peers counts are kept for (at most `maxPeers`). */
  get peerCount(): number {
    const peers = this.peers;
    if (peers === undefined) return 0;
    return peers instanceof Map ? peers.size : peers.length / 2;
  }

  allows(link: MediaLink): boolean {
    return this.spentOn(link) < this.maxPerLink;
  }

  /** Counts a candidate the core accepted; a count stays at the limit once there (it cannot carry over). */
  spend(link: MediaLink): void {
    const peer = linkPeer(link);
    if (peer === undefined) {
      this.publish += 1;
      return;
    }
    // One search for the count, read and then added to: this runs for every relayed candidate.
    const both = this.countOf(peer) ?? 0;
    if (this.spentIn(both, link) >= this.maxPerLink) return;
    this.put(peer, both + (link.kind === 'subscribe' ? 1 : this.upstreamUnit));
  }

  /** A new offer or answer on the link starts a new ICE gathering. */
  renew(link: MediaLink): void {
    const peer = linkPeer(link);
    if (peer === undefined) {
      this.publish = 0;
      return;
    }
    const both = this.countOf(peer);
    if (both === undefined) return;
    const kept = link.kind === 'subscribe' ? both - (both % this.upstreamUnit) : both % this.upstreamUnit;
    if (kept === 0) this.forget(peer);
    else this.put(peer, kept);
  }

  /** The peer left the room: both links with it are gone. */
  forget(peer: UserId): void {
    const peers = this.peers;
    if (peers instanceof Map) {
      peers.delete(peer);
      return;
    }
    const at = indexIn(peers, peer);
    if (at < 0) return;
    this.peers = peers!.length === 2 ? undefined : peers!.slice(0, at).concat(peers!.slice(at + 2));
  }

  /** Joining or leaving a room makes every link new. */
  renewAll(): void {
    this.peers = undefined;
    this.publish = 0;
  }

  private spentOn(link: MediaLink): number {
    const peer = linkPeer(link);
    return peer === undefined ? this.publish : this.spentIn(this.countOf(peer) ?? 0, link);
  }

  /** The link's share of its peer's count `both`. */
  private spentIn(both: number, link: MediaLink): number {
    return link.kind === 'subscribe' ? both % this.upstreamUnit : Math.floor(both / this.upstreamUnit);
  }

  private countOf(peer: UserId): number | undefined {
    const peers = this.peers;
    if (peers instanceof Map) return peers.get(peer);
    const at = indexIn(peers, peer);
    return at < 0 ? undefined : (peers![at + 1] as number);
  }

  /** Sets `peer`'s count; a peer new to a full budget takes the place of the one counted longest ago. */
  private put(peer: UserId, count: number): void {
    const peers = this.peers;
    if (peers instanceof Map) {
      if (!peers.has(peer) && peers.size >= this.maxPeers) {
        const oldest = peers.keys().next();
        if (!oldest.done) peers.delete(oldest.value);
      }
      peers.set(peer, count);
      return;
    }
    const at = indexIn(peers, peer);
    if (at >= 0) {
      peers![at + 1] = count;
      return;
    }
    const held = peers ?? [];
    // The first pair is the peer whose count started longest ago.
    const kept = held.length / 2 >= this.maxPeers ? held.slice(2) : held;
    if (kept.length / 2 < ARRAY_PEERS) {
      // A new array of the exact size (concat's): push, or a spread, leaves it more than twice as long.
      this.peers = kept.concat(peer, count);
      return;
    }
    const map = new Map<UserId, number>();
    for (let i = 0; i < kept.length; i += 2) map.set(kept[i] as UserId, kept[i + 1] as number);
    map.set(peer, count);
    this.peers = map;
  }
}

/** Where `peer`'s pair starts in a flat array of pairs, or -1. */
const indexIn = (peers: readonly (UserId | number)[] | undefined, peer: UserId): number => {
  if (peers === undefined) return -1;
  for (let i = 0; i < peers.length; i += 2) if (peers[i] === peer) return i;
  return -1;
};
