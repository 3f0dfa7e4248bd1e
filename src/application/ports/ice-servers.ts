import type { UserId } from '../../domain';

/** An RTCIceServer, as the browser's RTCPeerConnection takes it. */
export interface IceServer {
  readonly urls: readonly string[];
  readonly username?: string;
  readonly credential?: string;
}

/** The STUN and TURN servers a participant should use, with credentials of its own where TURN needs them. */
export interface IceServerProvider {
  /** Empty when none are configured. */
  iceServersFor(userId: UserId): readonly IceServer[];
}
