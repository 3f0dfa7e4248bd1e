import type { MediaLink, UserId } from '../../domain';

/**
 * Trickle ICE candidates one connection may send per media link between two SDP exchanges on that link.
 * A browser gathers a handful per link; thousands are abuse that would fill the media server's buffers.
 * Only links the core accepted are counted, so a client naming random users cannot grow the map.
 *
 * Counts are kept per link kind, keyed by the peer's id itself (a key string per link, `kind:peer`, was
 * built and hashed twice per relayed candidate and kept per link: 18 links per member of a full-mesh
 * room of 10). The maps are made at the first candidate: most connections never send one.
 */
export class IceCandidateBudget {
  private subscribe: Map<UserId, number> | undefined;
  private upstream: Map<UserId, number> | undefined;
  private publish = 0;

  constructor(readonly maxPerLink: number) {}

  allows(link: MediaLink): boolean {
    return this.spentOn(link) < this.maxPerLink;
  }

  /** Counts a candidate the core accepted. */
  spend(link: MediaLink): void {
    switch (link.kind) {
      case 'publish':
        this.publish += 1;
        return;
      case 'subscribe': {
        const spent = (this.subscribe ??= new Map());
        spent.set(link.publisher, (spent.get(link.publisher) ?? 0) + 1);
        return;
      }
      case 'upstream': {
        const spent = (this.upstream ??= new Map());
        spent.set(link.subscriber, (spent.get(link.subscriber) ?? 0) + 1);
        return;
      }
    }
  }

  /** A new offer or answer on the link starts a new ICE gathering. */
  renew(link: MediaLink): void {
    if (link.kind === 'publish') this.publish = 0;
    else if (link.kind === 'subscribe') this.subscribe?.delete(link.publisher);
    else this.upstream?.delete(link.subscriber);
  }

  /** Joining or leaving a room makes every link new. */
  renewAll(): void {
    this.subscribe = undefined;
    this.upstream = undefined;
    this.publish = 0;
  }

  private spentOn(link: MediaLink): number {
    if (link.kind === 'publish') return this.publish;
    if (link.kind === 'subscribe') return this.subscribe?.get(link.publisher) ?? 0;
    return this.upstream?.get(link.subscriber) ?? 0;
  }
}
