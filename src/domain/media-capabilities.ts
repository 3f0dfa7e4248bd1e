/**
 * Which negotiation flows a media backend supports, told to the client when it joins so it can pick one.
 * Kurento can do every SFU flow; Janus VideoRoom subscribers always take the server's offer; a mesh has no
 * media server, so the publishing peer offers or answers instead.
 */
export interface MediaCapabilities {
  readonly backend: string;
  /** The client offers its own media and the server answers (`receiveVideoFrom` with one's own id, or `publish`). */
  readonly publish: boolean;
  /** The client offers to receive someone's media (the seed's `receiveVideoFrom` with another's id). */
  readonly clientOfferedSubscribe: boolean;
  /** The server (or, in a mesh, the publishing peer) offers and the client answers (`subscribe`). */
  readonly serverOfferedSubscribe: boolean;
  /** Media flows directly between peers; the server only relays their signaling. */
  readonly peerToPeer: boolean;
}
