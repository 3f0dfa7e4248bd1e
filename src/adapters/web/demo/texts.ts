import { ConnectionLostError, RequestTimeoutError, SignalingError } from '../../../../packages/client/src/index';

/** A refusal or loss in plain words, for the pre-join screen. */
export const explain = (error: unknown): string => {
  if (error instanceof SignalingError) {
    switch (error.code) {
      case 'roomFull':
        return 'This room is full. Try again later, or pick another room.';
      case 'invalidMessage':
        return `The server could not accept this: ${error.message}`;
      case 'unauthorized':
        return 'You are not allowed into this room (a missing or expired token).';
      case 'mediaServerUnavailable':
      case 'mediaBackendError':
        return 'The media server is not available right now. Please try again in a moment.';
      case 'stateStoreUnavailable':
      case 'nodeFull':
        return 'The service is busy or partly down. Please try again in a moment.';
      case 'sessionReplaced':
        return 'You joined this room from another tab or device, so this one left.';
      case 'kicked':
        return 'A moderator removed you from the room.';
      case 'rateLimited':
        return 'Too many attempts. Wait a little and try again.';
      default:
        return `The server refused: ${error.message}`;
    }
  }
  if (error instanceof ConnectionLostError) return 'Cannot reach the call server. Check your connection and try again.';
  if (error instanceof RequestTimeoutError) return 'The call server did not answer in time. Please try again in a moment.';
  return `Something went wrong: ${String(error)}`;
};
