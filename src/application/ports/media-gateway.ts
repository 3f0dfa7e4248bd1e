import type {
  IceCandidate,
  MediaCapabilities,
  MediaLink,
  MediaSession,
  RoomId,
  UserId,
} from '../../domain';
import type { RequestId } from './request-id';

/**
 * Signaling the media backend sends to one participant. `link` is always seen from the recipient `to`.
 * `requestId` is the id of the client request that caused the signal, so the client can match it.
 */
export type MediaSignal =
  /** The backend's (or the peer's) answer to `to`'s offer on `link`. */
  | { readonly type: 'answer'; readonly roomId: RoomId; readonly to: UserId; readonly link: MediaLink; readonly sdp: string; readonly requestId?: RequestId }
  /** An offer that `to` must answer on `link`. */
  | { readonly type: 'offer'; readonly roomId: RoomId; readonly to: UserId; readonly link: MediaLink; readonly sdp: string; readonly requestId?: RequestId }
  /** Mesh only: `to` is asked to make an offer on `link` (its upstream to a subscriber). */
  | { readonly type: 'offerRequest'; readonly roomId: RoomId; readonly to: UserId; readonly link: MediaLink; readonly requestId?: RequestId }
  /** A trickle ICE candidate for `to`'s connection `link`. */
  | { readonly type: 'candidate'; readonly roomId: RoomId; readonly to: UserId; readonly link: MediaLink; readonly candidate: IceCandidate };

/** The backend lost the room's media (its server died or restarted); everything it held is gone. */
export interface MediaSessionLost {
  readonly type: 'sessionLost';
  readonly roomId: RoomId;
  readonly ref: string;
  readonly reason: string;
}

/**
 * SFU backends that admit subscribers only once a publisher's media is up (Janus): `userId`'s media is
 * published now, so the others may subscribe to it (instead of retrying until they can).
 */
export interface MediaPublished {
  readonly type: 'published';
  readonly roomId: RoomId;
  readonly userId: UserId;
}

/**
 * A link whose reply (answer or offer) already went to `to` can no longer carry media: the backend failed
 * a step that follows the reply (Kurento: gathering the server's ICE candidates). There is no request left
 * to answer, so `to` is told this way; its next negotiation of `link` starts afresh.
 */
export interface MediaLinkFailed {
  readonly type: 'linkFailed';
  readonly roomId: RoomId;
  readonly to: UserId;
  readonly link: MediaLink;
  readonly reason: string;
}

export type MediaBackendEvent = MediaSignal | MediaSessionLost | MediaPublished | MediaLinkFailed;

export interface OpenSessionOptions {
  /** The room's participant limit, for backends that size their rooms (Janus). */
  readonly capacity: number;
}

/**
 * What the core needs from a media backend: Kurento, Janus, or a peer-to-peer mesh. Every method may
 * reject with a `SignalingError` (`mediaBackendError`, `mediaServerUnavailable`, `unsupportedFlow`); any
 * other rejection is reported to the client as `mediaBackendError`. Answers, offers and candidates are
 * not return values but `MediaSignal`s, because in a mesh they come later from another peer.
 */
export interface MediaGateway {
  capabilities(): MediaCapabilities;
  openSession(roomId: RoomId, options: OpenSessionOptions): Promise<MediaSession>;
  /** Frees everything the session holds. Must succeed (log, do not throw) when the backend already forgot it. */
  closeSession(session: MediaSession): Promise<void>;
  addParticipant(session: MediaSession, userId: UserId): Promise<void>;
  /** Frees the participant's own endpoints and every endpoint fed by them. */
  removeParticipant(session: MediaSession, userId: UserId): Promise<void>;
  /** `from` offers SDP on `link`; the answer comes back as a signal to `from`. */
  offer(session: MediaSession, from: UserId, link: MediaLink, sdp: string, requestId?: RequestId): Promise<void>;
  /** `from` answers the offer it was sent on `link`. */
  answer(session: MediaSession, from: UserId, link: MediaLink, sdp: string): Promise<void>;
  /** `from` asks the backend (or the peer) to offer on `link`; the offer comes back as a signal. */
  requestOffer(session: MediaSession, from: UserId, link: MediaLink, requestId?: RequestId): Promise<void>;
  addIceCandidate(session: MediaSession, from: UserId, link: MediaLink, candidate: IceCandidate): Promise<void>;
  /** The core registers once, at start-up, to receive signals and session losses. */
  onEvent(listener: (event: MediaBackendEvent) => void): void;
  /** Whether the backend is reachable now, for readiness checks. */
  isAvailable(): boolean;
  /**
   * For backends with a pool of servers (Kurento): how many are reachable now of those configured. A
   * node stays ready while one is; this shows an operator (and a test) the ones that are not.
   */
  servers?(): { readonly up: number; readonly configured: number };
  /** Closes connections to the backend at shutdown. */
  shutdown(): Promise<void>;
}
