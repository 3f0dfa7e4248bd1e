import type { IceCandidate, MediaLink, RoomId, UserId } from '../../domain';
import { CandidateBuffer } from './candidate-buffer';
import type { SentCodecs } from './codec-preference';
import type { KmsConnection } from './kms-connection';

/**
 * Where an endpoint stands in SDP negotiation; KMS negotiates each endpoint once. `spent`: a negotiation
 * call failed, perhaps after KMS applied it (an answer that came too late), so the endpoint cannot be
 * trusted to negotiate again: the next negotiation of its link gets a fresh one.
 */
export type Negotiation = 'none' | 'offerGenerated' | 'done' | 'spent';

export interface EndpointRecord {
  readonly id: string;
  readonly owner: UserId;
  readonly link: MediaLink;
  negotiation: Negotiation;
  /** On an outgoing endpoint once negotiated: the codecs its publisher sends. */
  sends?: SentCodecs;
}

const peerOf = (link: MediaLink): UserId | null => (link.kind === 'subscribe' ? link.publisher : link.kind === 'upstream' ? link.subscriber : null);

/**
 * A key per (owner, link). User ids are free text (spaces, `from`, quotes), so the parts are JSON-encoded
 * rather than joined with a separator that an id could contain.
 */
export const linkKey = (owner: UserId, link: MediaLink): string => JSON.stringify([owner, link.kind, peerOf(link)]);

/** Whether a link key involves `userId`, as owner or as the peer at the other end. */
const involves = (key: string, userId: UserId): boolean => {
  const [owner, , peer] = JSON.parse(key) as [UserId, string, UserId | null];
  return owner === userId || peer === userId;
};

/**
 * One room's media on its KMS: the pipeline, each participant's outgoing endpoint, and the incoming
 * endpoint of each (receiver, sender) pair. Holds no I/O; KurentoMediaGateway does the KMS calls.
 */
export class RoomMedia {
  private readonly outgoing = new Map<UserId, EndpointRecord>();
  /** Keyed by `linkKey(receiver, subscribe(sender))`. */
  private readonly incoming = new Map<string, EndpointRecord>();
  readonly candidates: CandidateBuffer<IceCandidate>;

  constructor(
    readonly roomId: RoomId,
    readonly ref: string,
    readonly pipelineId: string,
    readonly kms: KmsConnection,
    maxBufferedCandidates: number,
  ) {
    this.candidates = new CandidateBuffer(maxBufferedCandidates);
  }

  outgoingOf(userId: UserId): EndpointRecord | undefined {
    return this.outgoing.get(userId);
  }

  endpointFor(owner: UserId, link: MediaLink): EndpointRecord | undefined {
    if (link.kind === 'publish') return this.outgoing.get(owner);
    return this.incoming.get(linkKey(owner, link));
  }

  set(record: EndpointRecord): void {
    if (record.link.kind === 'publish') this.outgoing.set(record.owner, record);
    else this.incoming.set(linkKey(record.owner, record.link), record);
  }

  /** Forgets the endpoint of (owner, link) if it is still `id`. */
  forget(owner: UserId, link: MediaLink, id: string): void {
    if (this.endpointFor(owner, link)?.id !== id) return;
    if (link.kind === 'publish') this.outgoing.delete(owner);
    else this.incoming.delete(linkKey(owner, link));
  }

  /** The incoming endpoints fed by `publisher`'s outgoing endpoint. */
  fedBy(publisher: UserId): EndpointRecord[] {
    return [...this.incoming.values()].filter((r) => r.link.kind === 'subscribe' && r.link.publisher === publisher);
  }

  /**
   * Takes the participant out: its outgoing endpoint, its incoming endpoints, and every other
   * participant's incoming endpoint fed by it. Returns the endpoints to release.
   */
  removeParticipant(userId: UserId): EndpointRecord[] {
    const doomed: EndpointRecord[] = [];
    const own = this.outgoing.get(userId);
    if (own) doomed.push(own);
    this.outgoing.delete(userId);
    for (const [key, r] of this.incoming) {
      if (r.owner === userId || (r.link.kind === 'subscribe' && r.link.publisher === userId)) {
        doomed.push(r);
        this.incoming.delete(key);
      }
    }
    this.candidates.discard((key) => involves(key, userId));
    return doomed;
  }

  allEndpoints(): EndpointRecord[] {
    return [...this.outgoing.values(), ...this.incoming.values()];
  }

  get endpointCount(): number {
    return this.outgoing.size + this.incoming.size;
  }
}
