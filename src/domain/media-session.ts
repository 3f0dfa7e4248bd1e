import type { RoomId } from './identifiers';

/**
 * A room's handle on its media backend: a Kurento MediaPipeline, a Janus VideoRoom, or a mesh marker.
 * `ref` is the backend's own id, kept so that another process (or a later run) can find and free it.
 */
export interface MediaSession {
  readonly roomId: RoomId;
  readonly backend: string;
  readonly ref: string;
}
