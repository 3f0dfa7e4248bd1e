import Janode from 'janode';
import type { VideoRoomHandle } from 'janode/plugins/videoroom';
import type { IceCandidate } from '../../domain';
import type { Logger } from '../../application';

export interface HandleEventSink {
  /** Janus trickled one of its own candidates (only with full-trickle; in half-trickle they are in the SDP). */
  candidate(candidate: IceCandidate): void;
  /** Janus detached the handle by itself (its session ended, or the plugin dropped it). */
  detached(): void;
  /** The handle's PeerConnection is up (for a publisher: subscribers may join its feed now). */
  webrtcUp?(): void;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Janode's trickle event, narrowed: `{candidate, sdpMid, sdpMLineIndex}` or `{completed: true}`. */
export const trickleCandidate = (data: unknown): IceCandidate | undefined => {
  if (!isRecord(data) || data.completed === true || typeof data.candidate !== 'string') return undefined;
  return {
    candidate: data.candidate,
    sdpMid: typeof data.sdpMid === 'string' ? data.sdpMid : null,
    sdpMLineIndex: typeof data.sdpMLineIndex === 'number' ? data.sdpMLineIndex : null,
  };
};

/**
 * Wires the events of one handle. Handlers never throw: an exception in an EventEmitter listener would
 * surface inside janode's message loop.
 */
export const watchHandle = (handle: VideoRoomHandle, sink: HandleEventSink, logger: Logger, fields: object): void => {
  const guard = (what: string, work: () => void) => () => {
    try {
      work();
    } catch (error) {
      logger.error({ ...fields, err: error }, `handling janus ${what} failed`);
    }
  };
  handle.on(Janode.EVENT.HANDLE_TRICKLE, (data: unknown) =>
    guard('trickle', () => {
      const candidate = trickleCandidate(data);
      if (candidate) sink.candidate(candidate);
    })(),
  );
  handle.on(
    Janode.EVENT.HANDLE_WEBRTCUP,
    guard('webrtcup', () => {
      logger.debug(fields, 'janus peer connection up');
      sink.webrtcUp?.();
    }),
  );
  handle.on(Janode.EVENT.HANDLE_HANGUP, (data: unknown) =>
    guard('hangup', () => logger.debug({ ...fields, reason: isRecord(data) ? data.reason : undefined }, 'janus peer connection hung up'))(),
  );
  handle.on(Janode.EVENT.HANDLE_ICE_FAILED, guard('ice-failed', () => logger.warn(fields, 'janus reports ICE failure')));
  handle.once(Janode.EVENT.HANDLE_DETACHED, guard('detached', () => sink.detached()));
};
