import { isSignalingError, SignalingError } from '../domain';

/** Keeps typed refusals from the backend and reports anything else as a backend failure. */
export const asMediaError = (error: unknown): SignalingError =>
  isSignalingError(error)
    ? error
    : new SignalingError('mediaBackendError', `media backend failed: ${error instanceof Error ? error.message : String(error)}`);
